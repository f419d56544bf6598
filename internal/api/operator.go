package api

import (
	"context"
	"net/http"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/operator"
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
