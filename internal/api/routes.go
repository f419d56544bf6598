package api

import (
	"net/http"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/operator"
	"github.com/deco-network/deco/internal/provider"
	"github.com/deco-network/deco/internal/requester"
	"github.com/deco-network/deco/internal/service"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// Body caps, per route (see route.maxBody).
const (
	// maxPolicyBody caps PUT /v1/onboarding.
	maxPolicyBody = 1 << 20
	// maxWalletBody caps the wallet's POST bodies.
	maxWalletBody = 1 << 16
)

// Content types a route's body may be sent as (none named: any is
// accepted; a request without a Content-Type is always accepted).
const (
	mediaJSON = "application/json"
)

// route is one endpoint of the API. New registers exactly the routes
// routes returns; the OpenAPI test walks the same table, so a route added
// here and not to openapi.yaml fails that test.
type route struct {
	method string
	// pattern is the ServeMux path pattern; {id} is a job ID or a unique
	// prefix of one.
	pattern string
	// open routes need no bearer token.
	open bool
	// maxBody is the largest request body accepted; 0: the route takes
	// none, and a request with one is refused (413).
	maxBody int64
	// tooLarge is the error of a body over maxBody (nil: a generic one).
	tooLarge error
	// mediaTypes are the accepted Content-Types of the body.
	mediaTypes []string
	// query lists the query parameters the route accepts; any other is
	// refused (400).
	query []string
	// status is the status of a successful answer.
	status int
	// request and response are zero values of the JSON body types (nil:
	// none, or not JSON); the OpenAPI test checks the document against
	// their fields.
	request, response any
	handle            func(*server, http.ResponseWriter, *http.Request)
}

// routes returns the API's routes.
func routes() []route {
	// A job spec is YAML or JSON.
	specMediaTypes := []string{mediaJSON, "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"}
	return []route{
		{method: "GET", pattern: "/metrics", open: true, status: 200, handle: (*server).metrics},
		{method: "GET", pattern: "/v1/openapi.yaml", open: true, status: 200, handle: (*server).openAPI},
		{method: "GET", pattern: "/v1/id", status: 200, response: Identity{}, handle: (*server).identity},
		{method: "GET", pattern: "/v1/peers", status: 200, response: []Peer{}, handle: (*server).peers},
		{method: "GET", pattern: "/v1/offers", status: 200, response: []offer.Offer{}, handle: (*server).offers},
		{method: "GET", pattern: "/v1/onboarding", status: 200, response: OnboardingView{}, handle: (*server).onboarding},
		{method: "PUT", pattern: "/v1/onboarding", maxBody: maxPolicyBody, mediaTypes: []string{mediaJSON}, status: 200,
			request: provider.Policy{}, response: provider.Onboarding{}, handle: (*server).onboard},
		{method: "DELETE", pattern: "/v1/onboarding", status: 204, handle: (*server).offboard},
		{method: "POST", pattern: "/v1/jobs", maxBody: job.MaxSpecSize, tooLarge: job.ErrSpecTooLarge, mediaTypes: specMediaTypes, status: 201,
			request: job.Spec{}, response: store.Job{}, handle: (*server).submit},
		{method: "GET", pattern: "/v1/jobs", query: []string{"state", "limit"}, status: 200, response: []store.Job{}, handle: (*server).jobs},
		{method: "GET", pattern: "/v1/jobs/{id}", status: 200, response: JobDetail{}, handle: (*server).job},
		{method: "GET", pattern: "/v1/jobs/{id}/logs", query: []string{"follow", "task"}, status: 200, handle: (*server).logs},
		{method: "GET", pattern: "/v1/jobs/{id}/usage", status: 200, response: JobUsage{}, handle: (*server).usage},
		{method: "POST", pattern: "/v1/jobs/{id}/cancel", status: 202, handle: (*server).cancel},
		{method: "GET", pattern: "/v1/jobs/{id}/outputs", status: 200, handle: (*server).outputs},
		{method: "GET", pattern: "/v1/jobs/{id}/forward/{port}", query: []string{"task"}, status: 101, handle: (*server).forward},
		{method: "GET", pattern: "/v1/wallet", status: 200, response: Wallet{}, handle: (*server).wallet},
		{method: "POST", pattern: "/v1/wallet/deposit", maxBody: maxWalletBody, mediaTypes: []string{mediaJSON}, status: 200,
			request: DepositRequest{}, response: settle.TxResult{}, handle: (*server).walletDeposit},
		{method: "POST", pattern: "/v1/wallet/withdraw", maxBody: maxWalletBody, mediaTypes: []string{mediaJSON}, status: 200,
			request: DepositRequest{}, response: WithdrawResult{}, handle: (*server).walletWithdraw},
		{method: "POST", pattern: "/v1/wallet/redeem", maxBody: maxWalletBody, mediaTypes: []string{mediaJSON}, status: 200,
			request: RedeemRequest{}, response: []store.Redeem{}, handle: (*server).walletRedeem},
		{method: "POST", pattern: "/v1/wallet/stake", maxBody: maxWalletBody, mediaTypes: []string{mediaJSON}, status: 200,
			request: StakeRequest{}, response: settle.TxResult{}, handle: (*server).walletStake},
		{method: "GET", pattern: "/v1/operator", status: 200, response: OperatorView{}, handle: (*server).operatorView},
		{method: "PUT", pattern: "/v1/operator/cert", maxBody: maxOperatorBody, mediaTypes: []string{mediaJSON}, status: 200,
			request: operator.Cert{}, response: OperatorView{}, handle: (*server).operatorCert},
		{method: "GET", pattern: "/v1/operator/policies", status: 200, response: []operator.Policy{}, handle: (*server).operatorPolicies},
		{method: "POST", pattern: "/v1/operator/policies", maxBody: maxOperatorBody, mediaTypes: []string{mediaJSON}, status: 200,
			request: operator.Policy{}, response: PolicyPublished{}, handle: (*server).publishPolicy},
		{method: "POST", pattern: "/v1/operator/billing", maxBody: maxWalletBody, mediaTypes: []string{mediaJSON}, status: 200,
			request: operator.BillingRequest{}, response: OperatorBilling{}, handle: (*server).operatorBilling},
		{method: "GET", pattern: "/v1/billing", query: []string{"role", "from", "to", "by", "records"}, status: 200, response: Billing{}, handle: (*server).billing},
		{method: "POST", pattern: "/v1/bookings", maxBody: maxBookingBody, mediaTypes: []string{mediaJSON}, status: 201,
			request: requester.BookingRequest{}, response: requester.Booking{}, handle: (*server).book},
		{method: "GET", pattern: "/v1/bookings", query: []string{"limit"}, status: 200, response: []requester.Booking{}, handle: (*server).bookings},
		{method: "GET", pattern: "/v1/bookings/{id}", status: 200, response: requester.Booking{}, handle: (*server).booking},
		{method: "POST", pattern: "/v1/bookings/{id}/cancel", status: 202, handle: (*server).cancelBooking},
		{method: "GET", pattern: "/v1/services", query: []string{"source"}, status: 200, response: []service.Listing{}, handle: (*server).services},
		{method: "POST", pattern: "/v1/services", maxBody: maxWalletBody, mediaTypes: []string{mediaJSON}, status: 200,
			request: ServiceRegistration{}, response: ServiceRegistered{}, handle: (*server).registerService},
		{method: "DELETE", pattern: "/v1/services/{name}", status: 204, handle: (*server).removeService},
		{method: "GET", pattern: "/v1/services/{name}/proxy", status: 101, handle: (*server).serviceProxy},
		{method: "POST", pattern: "/v1/dashboard/login", status: 200, response: DashboardLogin{}, handle: (*server).dashboardLogin},
		{method: "GET", pattern: "/v1/reputation/{node}", query: []string{"limit"}, status: 200, response: Reputation{}, handle: (*server).reputation},
	}
}
