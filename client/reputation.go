package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/deco-network/deco/internal/api"
)

// Reputation returns the node's view of node's reputation (a peer ID):
// its score and at most limit recent attestations about it (limit < 0:
// the API's default).
func (c *Client) Reputation(ctx context.Context, node string, limit int) (api.Reputation, error) {
	path := "/v1/reputation/" + url.PathEscape(node)
	if limit >= 0 {
		path += "?limit=" + strconv.Itoa(limit)
	}
	var v api.Reputation
	return v, c.getJSON(ctx, path, &v)
}
