//go:build linux

package docker

import (
	"context"
	"fmt"
	"net"
	"runtime"

	"github.com/vishvananda/netns"
)

// dialInNetns dials addr from inside the network namespace at nsPath. The
// socket is made on a locked OS thread that has entered the namespace (a
// socket belongs to the namespace it was created in, whichever thread
// uses it later); the thread then goes back, or, if it cannot, exits with
// its goroutine.
func dialInNetns(ctx context.Context, nsPath, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		c, restored, err := dialLocked(ctx, nsPath, addr)
		if restored {
			runtime.UnlockOSThread()
		}
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

func dialLocked(ctx context.Context, nsPath, addr string) (c net.Conn, restored bool, err error) {
	orig, err := netns.Get()
	if err != nil {
		return nil, true, fmt.Errorf("get current netns: %w", err)
	}
	defer orig.Close()
	target, err := netns.GetFromPath(nsPath)
	if err != nil {
		return nil, true, fmt.Errorf("open the sandbox's network namespace: %w", err)
	}
	defer target.Close()
	if err := netns.Set(target); err != nil {
		return nil, true, fmt.Errorf("enter the sandbox's network namespace: %w", err)
	}
	defer func() { restored = netns.Set(orig) == nil }()
	var d net.Dialer
	c, err = d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, false, fmt.Errorf("connect to %s in the sandbox: %w", addr, err)
	}
	return c, false, nil
}
