package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/requester"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/store"
)

// The fake wallet backend takes bookings: it checks the request as the
// requester does (the booking's spec) and answers a placed booking, or the
// error of one that is ended or unknown.
func (f *fakeWallet) Book(_ context.Context, br requester.BookingRequest) (requester.Booking, error) {
	if br.Nodes < 1 {
		return requester.Booking{}, fmt.Errorf("%w: nodes must be at least 1", requester.ErrInvalidSpec)
	}
	s := br.Spec()
	s.ApplyDefaults()
	if err := s.Validate(); err != nil {
		return requester.Booking{}, fmt.Errorf("%w: %w", requester.ErrInvalidSpec, err)
	}
	if br.Nodes > 2 {
		return requester.Booking{}, &sched.NoFitError{Report: sched.Report{Considered: 2, Nodes: []sched.NodeReport{{Node: "p1", Reason: "cpu: needs 64 cores"}}}}
	}
	return requester.Booking{ID: "b1", State: job.StatePending, Resources: s.Resources, Duration: s.Timeout}, nil
}
func (f *fakeWallet) Bookings(context.Context, int) ([]requester.Booking, error) {
	return []requester.Booking{{ID: "b1", State: job.StateRunning}}, nil
}
func (f *fakeWallet) Booking(_ context.Context, id string) (requester.Booking, error) {
	if id != "b1" {
		return requester.Booking{}, fmt.Errorf("booking %s: %w", id, store.ErrNotFound)
	}
	return requester.Booking{ID: "b1", State: job.StateRunning}, nil
}
func (f *fakeWallet) CancelBooking(_ context.Context, id string) error {
	if id == "ended" {
		return fmt.Errorf("%w: booking ended", requester.ErrBookingEnded)
	}
	_, err := f.Booking(context.Background(), id)
	return err
}

func TestBookingRoutes(t *testing.T) {
	h := New(&fakeWallet{}, "tok", nil, nil, WithRateLimit(0, 0))
	do := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"book", "POST", "/v1/bookings", `{"nodes":2,"resources":{"cpu":"1","gpus":1},"duration":"2h"}`, 201, `"id":"b1"`},
		{"no nodes", "POST", "/v1/bookings", `{"nodes":0,"duration":"2h"}`, 400, "nodes must be at least 1"},
		{"window too long", "POST", "/v1/bookings", `{"nodes":1,"duration":"800h"}`, 400, "timeout: must be at most"},
		{"unknown field", "POST", "/v1/bookings", `{"nodes":1,"duration":"1h","image":"x"}`, 400, "unknown field"},
		{"nothing fits", "POST", "/v1/bookings", `{"nodes":3,"duration":"1h"}`, 422, `"placement"`},
		{"list", "GET", "/v1/bookings", "", 200, `[{"id":"b1"`},
		{"bad limit", "GET", "/v1/bookings?limit=0", "", 400, "limit"},
		{"describe", "GET", "/v1/bookings/b1", "", 200, `"state":"running"`},
		{"describe unknown", "GET", "/v1/bookings/zz", "", 404, "not found"},
		{"cancel", "POST", "/v1/bookings/b1/cancel", "", 202, ""},
		{"cancel ended", "POST", "/v1/bookings/ended/cancel", "", 409, "booking ended"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(tc.method, tc.path, tc.body)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
				t.Fatalf("%d %s, want %d with %q", rec.Code, rec.Body, tc.status, tc.want)
			}
			if rec.Code >= 400 {
				var e Error
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
					t.Fatalf("no api.Error: %s", rec.Body)
				}
			}
		})
	}
	// A backend without bookings says so.
	plain := New(&fakeBackend{}, "tok", nil, nil, WithRateLimit(0, 0))
	req := httptest.NewRequest("GET", "/v1/bookings", nil)
	req.Header.Set("Authorization", "Bearer tok")
	rec := httptest.NewRecorder()
	plain.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotImplemented {
		t.Fatalf("bookings on a backend without them: %d", rec.Code)
	}
}
