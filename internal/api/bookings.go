package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/deco-network/deco/internal/requester"
)

// maxBookingBody caps POST /v1/bookings.
const maxBookingBody = 1 << 16

// BookingBackend is what the booking routes need from the node; a Backend
// that does not implement it answers 501.
type BookingBackend interface {
	// Book places a booking now, all or none: nothing that fits is a
	// *sched.NoFitError with the placement report.
	Book(ctx context.Context, req requester.BookingRequest) (requester.Booking, error)
	// Bookings lists the node's bookings, newest first.
	Bookings(ctx context.Context, limit int) ([]requester.Booking, error)
	// Booking returns booking id (an ID or a unique prefix).
	Booking(ctx context.Context, id string) (requester.Booking, error)
	// CancelBooking ends booking id now.
	CancelBooking(ctx context.Context, id string) error
}

func (s *server) bookingBackend(w http.ResponseWriter) (BookingBackend, bool) {
	bb, ok := s.b.(BookingBackend)
	if !ok {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this node takes no bookings"})
	}
	return bb, ok
}

func (s *server) book(w http.ResponseWriter, r *http.Request) {
	bb, ok := s.bookingBackend(w)
	if !ok {
		return
	}
	var req requester.BookingRequest
	if !s.decode(w, r, &req) {
		return
	}
	b, err := bb.Book(r.Context(), req)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, b)
}

func (s *server) bookings(w http.ResponseWriter, r *http.Request) {
	bb, ok := s.bookingBackend(w)
	if !ok {
		return
	}
	limit := 100
	if q := r.URL.Query().Get("limit"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > 1000 {
			writeJSON(w, http.StatusBadRequest, Error{Error: fmt.Sprintf("limit %s: want a number from 1 to 1000", quoteShort(q))})
			return
		}
		limit = n
	}
	v, err := bb.Bookings(r.Context(), limit)
	s.reply(w, v, err)
}

func (s *server) booking(w http.ResponseWriter, r *http.Request) {
	bb, ok := s.bookingBackend(w)
	if !ok {
		return
	}
	v, err := bb.Booking(r.Context(), r.PathValue("id"))
	s.reply(w, v, err)
}

func (s *server) cancelBooking(w http.ResponseWriter, r *http.Request) {
	bb, ok := s.bookingBackend(w)
	if !ok {
		return
	}
	if err := bb.CancelBooking(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
