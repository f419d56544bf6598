package node

import (
	"context"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/requester"
)

var _ api.BookingBackend = backend{}

// Book places a booking now (POST /v1/bookings).
func (b backend) Book(ctx context.Context, req requester.BookingRequest) (requester.Booking, error) {
	return b.n.requester.Book(ctx, req)
}

// Bookings lists this node's bookings (GET /v1/bookings).
func (b backend) Bookings(ctx context.Context, limit int) ([]requester.Booking, error) {
	return b.n.requester.Bookings(ctx, limit)
}

// Booking returns one booking (GET /v1/bookings/{id}).
func (b backend) Booking(ctx context.Context, id string) (requester.Booking, error) {
	return b.n.requester.Booking(ctx, id)
}

// CancelBooking ends a booking now (POST /v1/bookings/{id}/cancel).
func (b backend) CancelBooking(ctx context.Context, id string) error {
	return b.n.requester.CancelBooking(ctx, id)
}
