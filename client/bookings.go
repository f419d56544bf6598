package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/deco-network/deco/internal/requester"
)

// Book books providers for a window, now, all or none (POST /v1/bookings).
func (c *Client) Book(ctx context.Context, req requester.BookingRequest) (requester.Booking, error) {
	var v requester.Booking
	return v, c.sendJSON(ctx, http.MethodPost, "/v1/bookings", req, &v)
}

// Bookings lists the node's bookings, newest first, at most limit (0:
// the node's default; GET /v1/bookings).
func (c *Client) Bookings(ctx context.Context, limit int) ([]requester.Booking, error) {
	var v []requester.Booking
	path := "/v1/bookings"
	if limit > 0 {
		path += fmt.Sprintf("?limit=%d", limit)
	}
	return v, c.getJSON(ctx, path, &v)
}

// Booking returns a booking by ID or unique prefix (GET /v1/bookings/{id}).
func (c *Client) Booking(ctx context.Context, id string) (requester.Booking, error) {
	var v requester.Booking
	return v, c.getJSON(ctx, "/v1/bookings/"+url.PathEscape(id), &v)
}

// CancelBooking ends a booking now (POST /v1/bookings/{id}/cancel).
func (c *Client) CancelBooking(ctx context.Context, id string) error {
	return c.sendJSON(ctx, http.MethodPost, "/v1/bookings/"+url.PathEscape(id)+"/cancel", nil, nil)
}
