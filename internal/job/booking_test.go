package job

import (
	"strings"
	"testing"
	"time"
)

func TestBookingValidation(t *testing.T) {
	booking := func() Spec {
		s := Spec{APIVersion: APIVersion, Kind: KindBooking, Tasks: 2, Timeout: Duration(2 * time.Hour),
			Resources: Resources{CPU: 2000, GPUs: 1}}
		s.ApplyDefaults()
		return s
	}
	into := func() Spec {
		s := Spec{APIVersion: APIVersion, Image: "deco-busybox", Booking: NewID()}
		s.ApplyDefaults()
		return s
	}
	if err := booking().Validate(); err != nil {
		t.Fatalf("a booking without an image: %v", err)
	}
	if err := into().Validate(); err != nil {
		t.Fatalf("a job into a booking: %v", err)
	}
	for _, tc := range []struct {
		name string
		spec func() Spec
		want string
	}{
		{"booking with an image", func() Spec { s := booking(); s.Image = "deco-busybox"; return s }, "a booking runs nothing itself"},
		{"booking with a command", func() Spec { s := booking(); s.Command = []string{"true"}; return s }, "a booking runs nothing itself"},
		{"booking with ports", func() Spec { s := booking(); s.Ports = []Port{{Name: "http", Port: 80}}; return s }, "no inputs or ports"},
		{"booking on wasm", func() Spec { s := booking(); s.Executor = ExecutorWasm; return s }, "reserves docker nodes"},
		{"booking verified", func() Spec { s := booking(); s.Verification = "replicate(2)"; return s }, "no result to verify"},
		{"booking in a booking", func() Spec { s := booking(); s.Booking = NewID(); return s }, "cannot run inside another booking"},
		{"booking with links", func() Spec { s := booking(); s.Network.Links = true; return s }, "no network of its own"},
		{"bad booking ID", func() Spec { s := into(); s.Booking = "nope"; return s }, `booking: "nope" is not a booking ID`},
		{"verified in a booking", func() Spec { s := into(); s.Verification = "replicate(2)"; s.Deterministic = true; return s }, "cannot be verified"},
		{"batch without an image", func() Spec { s := into(); s.Image = ""; return s }, "image: required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec().Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	// The booking a job runs in is part of what its deal signs.
	a, b := into(), into()
	if Digest(a) == Digest(b) {
		t.Fatal("two bookings give one digest")
	}
	a.Booking = ""
	if strings.Contains(string(Canonical(a)), "booking") {
		t.Fatalf("a job outside a booking names one: %s", Canonical(a))
	}
}
