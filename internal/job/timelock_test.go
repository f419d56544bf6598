package job

import (
	"strings"
	"testing"
)

func TestTimeLocked(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    Spec
		want bool
	}{
		{"batch", Spec{}, false},
		{"batch that asks", Spec{TimeLock: true}, true},
		{"service", Spec{Kind: KindService}, true},
		{"booking", Spec{Kind: KindBooking}, true},
	} {
		if got := tt.s.TimeLocked(); got != tt.want {
			t.Errorf("%s: time-locked %v, want %v", tt.name, got, tt.want)
		}
	}
	s := Spec{APIVersion: APIVersion, Image: "deco-busybox:latest", Command: []string{"true"}, TimeLock: true}
	s.ApplyDefaults()
	if err := s.Validate(); err != nil {
		t.Fatalf("a batch job asking for a time-lock: %v", err)
	}
	s.Verification, s.Deterministic = "replicate(2)", true
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "timeLock") {
		t.Fatalf("a verified job asking for a time-lock: %v", err)
	}
}
