package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/operator"
	"github.com/deco-network/deco/internal/provider"
	"github.com/deco-network/deco/internal/requester"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/service"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// fakeBackend answers with canned values or errors.
type fakeBackend struct {
	submitErr error
	jobErr    error
}

func (f *fakeBackend) Identity() Identity    { return Identity{PeerID: "16Uiu2test"} }
func (f *fakeBackend) Peers() []Peer         { return nil }
func (f *fakeBackend) Offers() []offer.Offer { return nil }
func (f *fakeBackend) Submit(ctx context.Context, spec job.Spec) (store.Job, error) {
	if f.submitErr != nil {
		return store.Job{}, f.submitErr
	}
	return store.Job{ID: "j1", Spec: spec, State: job.StatePending}, nil
}
func (f *fakeBackend) Jobs(context.Context, job.State, int) ([]store.Job, error) { return nil, nil }
func (f *fakeBackend) Job(ctx context.Context, id string) (JobDetail, error) {
	if f.jobErr != nil {
		return JobDetail{}, f.jobErr
	}
	return JobDetail{TaskDetail: TaskDetail{Job: store.Job{ID: id}}}, nil
}
func (f *fakeBackend) JobID(ctx context.Context, prefix string) (string, error) {
	if f.jobErr != nil {
		return "", f.jobErr
	}
	return prefix, nil
}
func (f *fakeBackend) Logs(ctx context.Context, id string, task int, follow bool, w io.Writer) error {
	_, err := io.WriteString(w, "log line\n")
	return err
}
func (f *fakeBackend) Cancel(context.Context, string) error { return requester.ErrNotRunning }
func (f *fakeBackend) Outputs(context.Context, string) (string, string, error) {
	return "", "", ErrNoOutputs
}

// Forward echoes what it is sent on port "echo".
func (f *fakeBackend) Forward(ctx context.Context, id string, task int, port string) (io.ReadWriteCloser, error) {
	if port != "echo" {
		return nil, fmt.Errorf("%w: job %s has no port %q", requester.ErrNotForwardable, id, port)
	}
	a, b := net.Pipe()
	go func() { _, _ = io.Copy(b, b); b.Close() }()
	return a, nil
}
func (f *fakeBackend) Onboarding(context.Context) (OnboardingView, error) {
	return OnboardingView{}, nil
}
func (f *fakeBackend) Onboard(context.Context, provider.Policy) (provider.Onboarding, error) {
	return provider.Onboarding{}, errors.New("cpu: asked for 64 cores, this machine has 2")
}
func (f *fakeBackend) Offboard(context.Context) error { return nil }

func TestStatusCodes(t *testing.T) {
	noFit := &sched.NoFitError{Report: sched.Report{Considered: 1, Nodes: []sched.NodeReport{{Node: "p1", Reason: "cpu: needs 64 cores, 1 cores free"}}}}
	tests := []struct {
		name       string
		backend    *fakeBackend
		method     string
		path       string
		body       string
		token      string
		wantStatus int
		wantBody   string
	}{
		{"no token", &fakeBackend{}, "GET", "/v1/id", "", "", 401, "bearer token"},
		{"wrong token", &fakeBackend{}, "GET", "/v1/id", "", "nope", 401, "bearer token"},
		{"identity", &fakeBackend{}, "GET", "/v1/id", "", "tok", 200, "16Uiu2test"},
		{"metrics open", &fakeBackend{}, "GET", "/metrics", "", "", 200, "metrics"},
		{"submit ok", &fakeBackend{}, "POST", "/v1/jobs", `{"apiVersion":"deco/v1","image":"x"}`, "tok", 201, `"id":"j1"`},
		{"submit unknown field", &fakeBackend{}, "POST", "/v1/jobs", `{"apiVersion":"deco/v1","imag":"x"}`, "tok", 400, "imag"},
		{"submit field errors", &fakeBackend{submitErr: fmt.Errorf("%w: %w", requester.ErrInvalidSpec, job.FieldErrors{{Field: "resources.cpu", Problem: "must be positive"}})},
			"POST", "/v1/jobs", `{"apiVersion":"deco/v1","image":"x"}`, "tok", 400, `"field":"resources.cpu"`},
		{"submit no fit", &fakeBackend{submitErr: noFit}, "POST", "/v1/jobs", `{"apiVersion":"deco/v1","image":"x"}`, "tok", 422, "cpu: needs 64 cores"},
		{"job missing", &fakeBackend{jobErr: fmt.Errorf("job x: %w", store.ErrNotFound)}, "GET", "/v1/jobs/x", "", "tok", 404, "not found"},
		{"job prefix ambiguous", &fakeBackend{jobErr: fmt.Errorf("job ID prefix \"x\" is %w", store.ErrAmbiguous)}, "GET", "/v1/jobs/x", "", "tok", 400, "ambiguous"},
		{"cancel finished", &fakeBackend{}, "POST", "/v1/jobs/x/cancel", "", "tok", 409, "not running"},
		{"outputs missing", &fakeBackend{}, "GET", "/v1/jobs/x/outputs", "", "tok", 409, "no outputs"},
		{"logs", &fakeBackend{}, "GET", "/v1/jobs/x/logs", "", "tok", 200, "log line"},
		{"onboard refused", &fakeBackend{}, "PUT", "/v1/onboarding", `{"share":{"cpu":64}}`, "tok", 400, "this machine has 2"},
		{"onboard unknown field", &fakeBackend{}, "PUT", "/v1/onboarding", `{"shares":{}}`, "tok", 400, "unknown field"},
		{"wallet needs the token", &fakeBackend{}, "POST", "/v1/wallet/deposit", `{}`, "", 401, "bearer token"},
		{"wallet without settlement", &fakeBackend{}, "GET", "/v1/wallet", "", "tok", 501, "no wallet"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "metrics") })
			h := New(tc.backend, "tok", metrics, nil)
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus || !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Fatalf("got %d %s, want %d containing %q", rec.Code, rec.Body.String(), tc.wantStatus, tc.wantBody)
			}
			if rec.Code >= 400 && tc.path != "/metrics" {
				var e Error
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
					t.Fatalf("error body is not an api.Error: %s", rec.Body.String())
				}
			}
		})
	}
}

func TestEmptyTokenRefusesEverything(t *testing.T) {
	h := New(&fakeBackend{}, "", nil, nil)
	req := httptest.NewRequest("GET", "/v1/id", nil)
	req.Header.Set("Authorization", "Bearer ")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Fatalf("empty token accepted: %d", rec.Code)
	}
}

// fakeWallet is a fakeBackend with a wallet that, like a real settlement,
// refuses amounts that are not positive.
type fakeWallet struct {
	fakeBackend
	walletErr error
}

func (f *fakeWallet) Wallet(context.Context) (Wallet, error) {
	return Wallet{Address: "0xme"}, f.walletErr
}
func (f *fakeWallet) Deposit(_ context.Context, _ string, amount money.Amount) (settle.TxResult, error) {
	return f.move(amount)
}
func (f *fakeWallet) Withdraw(context.Context, string, money.Amount) (WithdrawResult, error) {
	return WithdrawResult{}, settle.ErrWithdrawTooEarly
}
func (f *fakeWallet) Redeem(context.Context, string) ([]store.Redeem, error) { return nil, nil }
func (f *fakeWallet) Stake(_ context.Context, amount money.Amount) (settle.TxResult, error) {
	return f.move(amount)
}
func (f *fakeWallet) move(amount money.Amount) (settle.TxResult, error) {
	if amount <= 0 {
		return settle.TxResult{}, fmt.Errorf("move %s: %w", amount, settle.ErrZeroAmount)
	}
	return settle.TxResult{Tx: "0xtx", Amount: amount}, nil
}

func TestWalletStatusCodes(t *testing.T) {
	tests := []struct {
		name       string
		wallet     *fakeWallet
		method     string
		path       string
		body       string
		wantStatus int
		wantBody   string
	}{
		{"wallet", &fakeWallet{}, "GET", "/v1/wallet", "", 200, `"address":"0xme"`},
		{"no settlement", &fakeWallet{walletErr: fmt.Errorf("this node has %w", settle.ErrNoSettlement)}, "GET", "/v1/wallet", "", 409, "no settlement"},
		{"deposit", &fakeWallet{}, "POST", "/v1/wallet/deposit", `{"provider":"0xp","amount":"1.5"}`, 200, `"tx":"0xtx"`},
		{"zero deposit", &fakeWallet{}, "POST", "/v1/wallet/deposit", `{"provider":"0xp","amount":"0"}`, 400, "amount must be positive"},
		{"negative deposit", &fakeWallet{}, "POST", "/v1/wallet/deposit", `{"provider":"0xp","amount":"-1"}`, 400, "negative"},
		{"zero stake", &fakeWallet{}, "POST", "/v1/wallet/stake", `{}`, 400, "amount must be positive"},
		{"withdraw too early", &fakeWallet{}, "POST", "/v1/wallet/withdraw", `{"provider":"0xp"}`, 409, "delay not over"},
		{"unknown field", &fakeWallet{}, "POST", "/v1/wallet/deposit", `{"provider":"0xp","amont":"1"}`, 400, "unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(New(tc.wallet, "tok", nil, nil), tc.method, tc.path, tc.body)
			if rec.Code != tc.wantStatus || !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Fatalf("got %d %s, want %d containing %q", rec.Code, rec.Body.String(), tc.wantStatus, tc.wantBody)
			}
		})
	}
}

// TestBadRequestSaidOnce checks a body that does not decode is reported as
// one "bad request: <why>", not with the prefix repeated.
func TestBadRequestSaidOnce(t *testing.T) {
	for _, path := range []string{"/v1/wallet/deposit", "/v1/wallet/redeem", "/v1/onboarding"} {
		method := "POST"
		if path == "/v1/onboarding" {
			method = "PUT"
		}
		rec := serve(New(&fakeWallet{}, "tok", nil, nil), method, path, `{"nope":1}`)
		var e Error
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatalf("%s: body %s: %v", path, rec.Body, err)
		}
		if rec.Code != 400 || strings.Count(e.Error, "bad request") != 1 || !strings.HasPrefix(e.Error, "bad request: ") {
			t.Fatalf("%s: got %d %q, want 400 saying \"bad request: \" once", path, rec.Code, e.Error)
		}
	}
}

func serve(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// The fake wallet node also serves a dashboard.
func (f *fakeWallet) DashboardLogin(context.Context) (DashboardLogin, error) {
	return DashboardLogin{URL: "http://127.0.0.1:7350/login?code=c0de", Code: "c0de", Expires: time.Unix(120, 0).UTC()}, nil
}

// The fake wallet node also has an operator: it returns what it is given
// (the real node verifies, see internal/node).
func (f *fakeWallet) Operator(context.Context) (OperatorView, error) { return OperatorView{}, nil }
func (f *fakeWallet) SetOperatorCert(_ context.Context, c operator.Cert) (OperatorView, error) {
	return OperatorView{Cert: &c}, nil
}
func (f *fakeWallet) OperatorPolicies(context.Context) ([]*operator.Policy, error) { return nil, nil }
func (f *fakeWallet) PublishPolicy(_ context.Context, p *operator.Policy) (PolicyPublished, error) {
	return PolicyPublished{Operator: p.Operator, Version: p.Version}, nil
}
func (f *fakeWallet) OperatorBilling(_ context.Context, r operator.BillingRequest) (OperatorBilling, error) {
	return OperatorBilling{Operator: r.Operator, By: r.By}, nil
}

// The fake wallet node also serves services: it lists one, registers
// what names a service, and proxies to an echo handler.
func (f *fakeWallet) Services(context.Context, string) ([]service.Listing, error) {
	return []service.Listing{{Name: "echo", Type: service.TypeHTTP, Price: 1, Gossiped: true}}, nil
}
func (f *fakeWallet) RegisterService(_ context.Context, r ServiceRegistration) (ServiceRegistered, error) {
	if r.Name == "" {
		return ServiceRegistered{}, fmt.Errorf("%w: a service needs a name", ErrBadRequest)
	}
	return ServiceRegistered{Offer: service.Offer{Name: r.Name, Price: r.Price}}, nil
}
func (f *fakeWallet) RemoveService(_ context.Context, name string) error {
	if name != "echo" {
		return fmt.Errorf("service %q: %w", name, store.ErrNotFound)
	}
	return nil
}
func (f *fakeWallet) ServiceProxy(name string) (http.Handler, error) {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %s", name, r.Method, r.URL.RequestURI())
	}), nil
}
