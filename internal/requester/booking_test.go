package requester

import (
	"testing"
	"time"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
)

// TestBookingRequestSpec: a booking request is a job of kind booking, one
// task per node on providers of their own, run once, its window the
// timeout; one node is the default single task.
func TestBookingRequestSpec(t *testing.T) {
	br := BookingRequest{Name: "b", Nodes: 3, Duration: job.Duration(8 * time.Hour), MaxPricePerHour: money.Unit,
		Resources: job.Resources{CPU: 8000, GPUs: 1}, Constraints: job.Constraints{Regions: []string{"eu"}}}
	s := br.Spec()
	s.ApplyDefaults()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	switch {
	case !s.IsBooking() || s.TaskCount() != 3 || s.Timeout != br.Duration || s.MaxAttempts != 1:
		t.Fatalf("spec %+v", s)
	case !s.Constraints.Group.DistinctProviders || len(s.Constraints.Regions) != 1:
		t.Fatalf("constraints %+v: want the request's, on providers of their own", s.Constraints)
	case s.MaxPricePerHour != money.Unit || s.Resources.GPUs != 1:
		t.Fatalf("price %s, resources %+v", s.MaxPricePerHour, s.Resources)
	}
	br.Nodes = 1
	one := br.Spec()
	one.ApplyDefaults()
	if one.Tasks != 0 || one.TaskCount() != 1 {
		t.Fatalf("one node: tasks %d", one.Tasks)
	}
	if err := one.Validate(); err != nil {
		t.Fatal(err)
	}
}
