package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/deco-network/deco/internal/api"
)

// DashboardLogin asks the node for a one-time login link to its web
// dashboard. The link's URL is at the address this client reaches the
// node on (the node names its own listen address, which may not be
// reachable from here, e.g. 0.0.0.0).
func (c *Client) DashboardLogin(ctx context.Context) (api.DashboardLogin, error) {
	var v api.DashboardLogin
	if err := c.sendJSON(ctx, http.MethodPost, "/v1/dashboard/login", nil, &v); err != nil {
		return v, err
	}
	v.URL = c.base + "/login?code=" + url.QueryEscape(v.Code)
	return v, nil
}
