package job

import "fmt"

// KindBooking is a reservation of Tasks providers for the window of its
// Timeout, billed by the hour: each task holds its Resources on one
// provider (a provider of its own) and runs nothing. Jobs that name the
// booking (Spec.Booking) run on its providers inside the capacity it
// holds, paid by it.
const KindBooking = "booking"

// IsBooking reports whether the spec is a booking (a reservation).
func (s Spec) IsBooking() bool { return s.Kind == KindBooking }

// InBooking reports whether the spec runs inside a booking.
func (s Spec) InBooking() bool { return s.Booking != "" }

// validateBooking checks a booking's spec: it reserves resources and runs
// nothing, so it names no program, inputs, ports or verification.
func validateBooking(v *validator, s Spec) {
	if s.Executor != ExecutorDocker {
		v.add("executor", "a booking reserves docker nodes (the jobs run in it use the docker executor)")
	}
	if s.Image != "" || len(s.Command) > 0 || len(s.Env) > 0 {
		v.add("kind", "a booking runs nothing itself: leave out image, command and env (submit jobs into it with booking: ID)")
	}
	if len(s.Inputs) > 0 || len(s.Ports) > 0 {
		v.add("kind", "a booking has no inputs or ports (the jobs run in it do)")
	}
	if s.Verification != "" {
		v.add("verification", "a booking has no result to verify")
	}
	if s.Network.Links || s.Network.Outbound {
		v.add("network", "a booking has no network of its own (the jobs run in it ask for theirs)")
	}
	if s.Booking != "" {
		v.add("booking", "a booking cannot run inside another booking")
	}
}

// validateInBooking checks a job that names a booking to run in.
func validateInBooking(v *validator, s Spec) {
	if s.Booking == "" {
		return
	}
	if err := CheckID(s.Booking); err != nil {
		v.add("booking", "%q is not a booking ID", s.Booking)
	}
	if pol, err := ParseVerification(s.Verification); err == nil && pol.Verified() {
		v.add("verification", "a job in a booking runs on the booking's nodes only: it cannot be verified by others")
	}
	if s.ResourceSpec != "" {
		v.add("spec", "a job in a booking asks for resources within the booking's, not for an operator's resource spec")
	}
}

// Summary writes resources for people: "2 CPU, 4GiB memory, 10GiB disk"
// and the GPUs when there are any.
func (r Resources) Summary() string {
	s := fmt.Sprintf("%s CPU, %s memory, %s disk", r.CPU, r.Memory, r.Disk)
	if r.GPUs > 0 {
		s += fmt.Sprintf(", %d GPUs", r.GPUs)
	}
	return s
}
