package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/operator"
	"github.com/deco-network/deco/internal/settle"
)

// maxOperatorBody caps the operator routes' bodies (a policy, at most
// operator.MaxPolicySize, in JSON).
const maxOperatorBody = operator.MaxPolicySize

// OperatorBackend is what the /v1/operator routes need from the node; a
// Backend that does not implement it answers 501.
type OperatorBackend interface {
	// Operator is this node's operator certificate and applied policy.
	Operator(ctx context.Context) (OperatorView, error)
	// SetOperatorCert installs the node's certificate; one for another
	// node, expired or forged is ErrBadRequest.
	SetOperatorCert(ctx context.Context, c operator.Cert) (OperatorView, error)
	// OperatorPolicies are the latest policies of every operator known.
	OperatorPolicies(ctx context.Context) ([]*operator.Policy, error)
	// PublishPolicy verifies a signed policy, keeps it, applies it if it
	// is this node's operator's, and gossips it to every node; a forged
	// or malformed one is ErrBadRequest.
	PublishPolicy(ctx context.Context, p *operator.Policy) (PolicyPublished, error)
}

// OperatorBillingBackend is what POST /v1/operator/billing needs from the
// node; a Backend that does not implement it answers 501.
type OperatorBillingBackend interface {
	// OperatorBilling asks every node the request's operator certified
	// for its statement as a provider and sums them; a forged or expired
	// request is ErrBadRequest.
	OperatorBilling(ctx context.Context, req operator.BillingRequest) (OperatorBilling, error)
}

// OperatorBilling answers POST /v1/operator/billing: the operator's
// statement over its nodes.
type OperatorBilling struct {
	Operator identity.Address `json:"operator"`
	From     time.Time        `json:"from"`
	To       time.Time        `json:"to"`
	By       string           `json:"by"`
	// Lines and Total sum the statements of the nodes that answered.
	Lines []operator.Line `json:"lines"`
	Total operator.Line   `json:"total"`
	// Nodes are the operator's nodes this node knows (from their offers),
	// each with its statement or why it has none.
	Nodes    []NodeStatement `json:"nodes"`
	Answered int             `json:"answered"`
}

// NodeStatement is one operator node's statement as a provider.
type NodeStatement struct {
	Node  string          `json:"node"`
	Lines []operator.Line `json:"lines,omitempty"`
	Total operator.Line   `json:"total"`
	Error string          `json:"error,omitempty"`
}

// OperatorView answers GET /v1/operator.
type OperatorView struct {
	// Cert is the node's operator certificate (none: the node runs on its
	// own).
	Cert *operator.Cert `json:"cert,omitempty"`
	// PolicyVersion is the version of the operator's policy the node
	// applies (0: none received yet).
	PolicyVersion uint64 `json:"policyVersion,omitempty"`
	// Pool is the node's pool in that policy.
	Pool string `json:"pool,omitempty"`
}

// PolicyPublished answers POST /v1/operator/policies.
type PolicyPublished struct {
	Operator identity.Address `json:"operator"`
	Version  uint64           `json:"version"`
	// New is false when the node already had this version or a later one.
	New bool `json:"new"`
}

func (s *server) operatorBackend(w http.ResponseWriter) (OperatorBackend, bool) {
	ob, ok := s.b.(OperatorBackend)
	if !ok {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this node has no operator support"})
	}
	return ob, ok
}

func (s *server) operatorView(w http.ResponseWriter, r *http.Request) {
	if ob, ok := s.operatorBackend(w); ok {
		v, err := ob.Operator(r.Context())
		s.reply(w, v, err)
	}
}

func (s *server) operatorCert(w http.ResponseWriter, r *http.Request) {
	ob, ok := s.operatorBackend(w)
	var c operator.Cert
	if !ok || !s.decode(w, r, &c) {
		return
	}
	v, err := ob.SetOperatorCert(r.Context(), c)
	s.reply(w, v, err)
}

func (s *server) operatorPolicies(w http.ResponseWriter, r *http.Request) {
	if ob, ok := s.operatorBackend(w); ok {
		v, err := ob.OperatorPolicies(r.Context())
		if v == nil {
			v = []*operator.Policy{}
		}
		s.reply(w, v, err)
	}
}

func (s *server) publishPolicy(w http.ResponseWriter, r *http.Request) {
	ob, ok := s.operatorBackend(w)
	var p operator.Policy
	if !ok || !s.decode(w, r, &p) {
		return
	}
	v, err := ob.PublishPolicy(r.Context(), &p)
	s.reply(w, v, err)
}

// BillingBackend is what GET /v1/billing needs from the node; a Backend
// that does not implement it answers 501.
type BillingBackend interface {
	// Billing is the statement of the executions this node bought
	// (role requester) or ran (role provider) that ended in [from, to),
	// grouped by by (see operator.Statement).
	Billing(ctx context.Context, role string, from, to time.Time, by string) (Billing, error)
}

// Billing answers GET /v1/billing: machine-hour records and their sums.
type Billing struct {
	Role  string          `json:"role"`
	From  time.Time       `json:"from"`
	To    time.Time       `json:"to"`
	By    string          `json:"by"`
	Lines []operator.Line `json:"lines"`
	Total operator.Line   `json:"total"`
	// Records are the executions' records (with ?records=true).
	Records []operator.Record `json:"records,omitempty"`
	// Deposits are the requester's deposits on its channels in the
	// window, as the chain recorded them (role requester, with a chain),
	// and Deposited their sum.
	Deposits  []settle.DepositRecord `json:"deposits,omitempty"`
	Deposited money.Amount           `json:"deposited,omitempty"`
}

func (s *server) billing(w http.ResponseWriter, r *http.Request) {
	bb, ok := s.b.(BillingBackend)
	if !ok {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this node keeps no billing records"})
		return
	}
	q := r.URL.Query()
	role := q.Get("role")
	if role == "" {
		role = "requester"
	}
	if role != "requester" && role != "provider" {
		writeJSON(w, http.StatusBadRequest, Error{Error: fmt.Sprintf("role %s: want requester or provider", quoteShort(role))})
		return
	}
	by := q.Get("by")
	if by == "" {
		by = operator.ByJob
	}
	if !slices.Contains(operator.Groupings, by) {
		writeJSON(w, http.StatusBadRequest, Error{Error: fmt.Sprintf("by %s: want one of %s", quoteShort(by), strings.Join(operator.Groupings, ", "))})
		return
	}
	from, to := time.Unix(0, 0).UTC(), s.now().Add(time.Minute).UTC()
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := q.Get(p.name); v != "" {
			t, err := parseDay(v)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, Error{Error: fmt.Sprintf("%s %s: want RFC 3339 or YYYY-MM-DD", p.name, quoteShort(v))})
				return
			}
			*p.t = t
		}
	}
	if !from.Before(to) {
		writeJSON(w, http.StatusBadRequest, Error{Error: "from must be before to"})
		return
	}
	v, err := bb.Billing(r.Context(), role, from, to, by)
	if err == nil && q.Get("records") != "true" {
		v.Records = nil
	}
	s.reply(w, v, err)
}

// parseDay reads an RFC 3339 time or a UTC day.
func parseDay(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}

func (s *server) operatorBilling(w http.ResponseWriter, r *http.Request) {
	ob, ok := s.b.(OperatorBillingBackend)
	if !ok {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this node cannot collect operator statements"})
		return
	}
	var req operator.BillingRequest
	if !s.decode(w, r, &req) {
		return
	}
	v, err := ob.OperatorBilling(r.Context(), req)
	s.reply(w, v, err)
}
