package exectest

import (
	"strings"
	"testing"
	"time"
)

func TestProgramsHaveGuestArgs(t *testing.T) {
	tests := []struct {
		name string
		p    Program
		want string
	}{
		{name: "echo", p: Echo("a b"), want: "echo|a b"},
		{name: "stderr", p: Stderr("x"), want: "stderr|x"},
		{name: "exit", p: Exit(3), want: "exit|3"},
		{name: "write", p: WriteOutput("f", "c"), want: "write|f|c"},
		{name: "read", p: ReadInput("f"), want: "read|f"},
		{name: "sleep", p: Sleep(time.Second), want: "spin"},
		{name: "allocate", p: AllocateMiB(8), want: "alloc|8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(GuestArgs(tt.p), "|"); got != tt.want {
				t.Fatalf("GuestArgs(%v) = %q, want %q", tt.p, got, tt.want)
			}
			if strings.HasPrefix(tt.p.String(), "Program(") {
				t.Fatalf("%d has no description", tt.p.Kind)
			}
		})
	}
}
