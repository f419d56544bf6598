package client

import (
	"context"
	"io"
	"net/http"
	"net/url"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/service"
)

// Services lists the services the node knows from source (api.SourceAll,
// api.SourceGossip or api.SourceChain; GET /v1/services).
func (c *Client) Services(ctx context.Context, source string) ([]service.Listing, error) {
	var v []service.Listing
	path := "/v1/services"
	if source != "" {
		path += "?source=" + url.QueryEscape(source)
	}
	return v, c.getJSON(ctx, path, &v)
}

// RegisterService serves a service from the node (POST /v1/services).
func (c *Client) RegisterService(ctx context.Context, r api.ServiceRegistration) (api.ServiceRegistered, error) {
	var v api.ServiceRegistered
	return v, c.sendJSON(ctx, http.MethodPost, "/v1/services", r, &v)
}

// RemoveService stops serving a service (DELETE /v1/services/{name}).
func (c *Client) RemoveService(ctx context.Context, name string) error {
	return c.sendJSON(ctx, http.MethodDelete, "/v1/services/"+url.PathEscape(name), nil, nil)
}

// ServiceProxy opens a connection to the node's paid proxy of service name
// (GET /v1/services/{name}/proxy, upgraded): plain HTTP requests written
// to it are paid for and carried to a provider, and their responses come
// back on it.
func (c *Client) ServiceProxy(ctx context.Context, name string) (io.ReadWriteCloser, error) {
	return c.upgrade(ctx, "service proxy", "/v1/services/"+url.PathEscape(name)+"/proxy", api.ServiceProxyProtocol)
}
