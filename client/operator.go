package client

import (
	"context"
	"net/http"
	"net/url"

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

// BillingQuery selects a billing statement (zero fields: the API's defaults).
type BillingQuery struct {
	Role     string
	From, To string
	By       string
	Records  bool
}

// Billing is the node's machine-hour statement.
func (c *Client) Billing(ctx context.Context, q BillingQuery) (api.Billing, error) {
	v := url.Values{}
	for k, s := range map[string]string{"role": q.Role, "from": q.From, "to": q.To, "by": q.By} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Records {
		v.Set("records", "true")
	}
	path := "/v1/billing"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var b api.Billing
	return b, c.getJSON(ctx, path, &b)
}

// OperatorBilling collects an operator's statement over its nodes.
func (c *Client) OperatorBilling(ctx context.Context, req operator.BillingRequest) (api.OperatorBilling, error) {
	var v api.OperatorBilling
	return v, c.sendJSON(ctx, http.MethodPost, "/v1/operator/billing", req, &v)
}
