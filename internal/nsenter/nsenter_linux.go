//go:build linux

package nsenter

import (
	"fmt"
	"runtime"

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
