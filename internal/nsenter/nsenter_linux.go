//go:build linux

package nsenter

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/vishvananda/netns"
)

// Do runs fn on a locked OS thread inside the network namespace at path
// (for example /proc/PID/ns/net) and returns its error. If the thread
// cannot go back to its own namespace it is not reused: it exits with its
// goroutine.
func Do(path string, fn func() error) error {
	ch := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		restored, err := do(path, fn)
		if restored {
			runtime.UnlockOSThread()
		}
		ch <- err
	}()
	return <-ch
}

// do is Do's work on the locked thread; restored reports whether the
// thread is back in its own namespace.
func do(path string, fn func() error) (restored bool, err error) {
	orig, err := netns.Get()
	if err != nil {
		return true, fmt.Errorf("get the current network namespace: %w", err)
	}
	defer orig.Close()
	target, err := netns.GetFromPath(path)
	if err != nil {
		return true, fmt.Errorf("open network namespace %s: %w", path, err)
	}
	defer target.Close()
	if err := netns.Set(target); err != nil {
		return true, fmt.Errorf("enter network namespace %s: %w", path, err)
	}
	defer func() { restored = netns.Set(orig) == nil }()
	return false, fn()
}

// capSysAdmin is CAP_SYS_ADMIN's bit in /proc/self/status's CapEff.
const capSysAdmin = 21

// Unavailable says why this process cannot enter another network
// namespace, "" when it can: setns(2) into a network namespace needs
// CAP_SYS_ADMIN.
func Unavailable() string {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "cannot read /proc/self/status: " + err.Error()
	}
	eff, ok := capEff(string(status))
	if !ok {
		return "no CapEff line in /proc/self/status"
	}
	if eff&(1<<capSysAdmin) == 0 {
		return "no CAP_SYS_ADMIN: entering a task's network namespace needs root or that capability"
	}
	return ""
}

// capEff reads the effective capability set from the text of
// /proc/PID/status.
func capEff(status string) (uint64, bool) {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return n, err == nil
		}
	}
	return 0, false
}
