//go:build linux

package nsenter

import (
	"os"
	"testing"
)

func TestCapEff(t *testing.T) {
	for _, c := range []struct {
		status string
		want   uint64
		ok     bool
	}{
		{"Name:\tdeco\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n", 0x1ffffffffff, true},
		{"CapEff:\t00000000a80425fb\n", 0xa80425fb, true}, // Docker's default set: no CAP_SYS_ADMIN
		{"CapEff:\tzz\n", 0, false},
		{"Name:\tdeco\n", 0, false},
	} {
		got, ok := capEff(c.status)
		if got != c.want || ok != c.ok {
			t.Errorf("capEff(%q) = %#x, %v; want %#x, %v", c.status, got, ok, c.want, c.ok)
		}
	}
	if eff, _ := capEff("CapEff:\t00000000a80425fb\n"); eff&(1<<capSysAdmin) != 0 {
		t.Error("Docker's default capability set has no CAP_SYS_ADMIN")
	}
}

// TestUnavailableAsRoot: a root process with every capability can enter
// namespaces; this test runs as root on CI.
func TestUnavailableAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root")
	}
	if why := Unavailable(); why != "" {
		t.Fatalf("root: Unavailable() = %q", why)
	}
}
