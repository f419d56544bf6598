package client

import (
	"context"
	"net/http"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/operator"
)

// Operator is the node's operator certificate and applied policy.
func (c *Client) Operator(ctx context.Context) (api.OperatorView, error) {
	var v api.OperatorView
	return v, c.getJSON(ctx, "/v1/operator", &v)
}

// SetOperatorCert installs the node's operator certificate.
func (c *Client) SetOperatorCert(ctx context.Context, cert operator.Cert) (api.OperatorView, error) {
	var v api.OperatorView
	return v, c.sendJSON(ctx, http.MethodPut, "/v1/operator/cert", cert, &v)
}

// OperatorPolicies lists the latest policy of every operator the node knows.
func (c *Client) OperatorPolicies(ctx context.Context) ([]operator.Policy, error) {
	var v []operator.Policy
	return v, c.getJSON(ctx, "/v1/operator/policies", &v)
}

// PublishPolicy publishes an operator's signed policy through the node.
func (c *Client) PublishPolicy(ctx context.Context, p *operator.Policy) (api.PolicyPublished, error) {
	var v api.PolicyPublished
	return v, c.sendJSON(ctx, http.MethodPost, "/v1/operator/policies", p, &v)
}
