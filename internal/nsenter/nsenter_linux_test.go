//go:build linux

package nsenter

import (
	"net"
	"os"
	"strings"
	"testing"
)

// TestDoEntersAndReturns runs a function in this process's own namespace
// through its /proc path (the one namespace a test may always open) and
// checks the error of a path that is not a namespace.
func TestDoEntersAndReturns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("entering a network namespace needs root")
	}
	var ifaces []net.Interface
	if err := Do("/proc/self/ns/net", func() (err error) { ifaces, err = net.Interfaces(); return err }); err != nil {
		t.Fatal(err)
	}
	if len(ifaces) == 0 {
		t.Fatal("no interface seen inside the namespace")
	}
	ran := false
	err := Do(t.TempDir(), func() error { ran = true; return nil })
	if err == nil || ran || !strings.Contains(err.Error(), "network namespace") {
		t.Fatalf("a directory as namespace: ran %v, %v", ran, err)
	}
}
