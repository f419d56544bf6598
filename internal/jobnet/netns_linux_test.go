package jobnet

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// requireRoot skips tb unless it runs as root with /dev/net/tun, or fails
// it if DECO_REQUIRE_ROOT is set.
func requireRoot(tb testing.TB) {
	tb.Helper()
	why := ""
	if os.Geteuid() != 0 {
		why = "not running as root"
	} else if _, err := os.Stat("/dev/net/tun"); err != nil {
		why = "no /dev/net/tun"
	}
	if why == "" {
		return
	}
	if os.Getenv("DECO_REQUIRE_ROOT") != "" {
		tb.Fatalf("job network test needs root and /dev/net/tun: %s (DECO_REQUIRE_ROOT is set)", why)
	}
	tb.Skipf("job network test needs root and /dev/net/tun: %s; set DECO_REQUIRE_ROOT=1 to fail instead", why)
}

// testNS is a network namespace held open by a handle; path names it the
// way a provider names a container's.
type testNS struct {
	h    netns.NsHandle
	path string
}

// inNS runs fn on a locked OS thread that is in namespace h.
func inNS(h netns.NsHandle, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		if err := netns.Set(h); err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		err = fn()
		if netns.Set(orig) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

func newNS(tb testing.TB) testNS {
	tb.Helper()
	ns, err := makeNS()
	if err != nil {
		tb.Fatalf("new netns: %v", err)
	}
	tb.Cleanup(func() { ns.h.Close() })
	return ns
}

// makeNS creates a network namespace held open by the returned handle.
func makeNS() (testNS, error) {
	var h netns.NsHandle
	// netns.New moves the locked thread into the new namespace; move it back.
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- err
			return
		}
		defer orig.Close()
		h, err = netns.New()
		if rerr := netns.Set(orig); rerr == nil {
			runtime.UnlockOSThread()
		} else if err == nil {
			err = rerr
		}
		errc <- err
	}()
	if err := <-errc; err != nil {
		return testNS{}, err
	}
	return testNS{h: h, path: fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), int(h))}, nil
}

// linkIn returns Interface as seen in namespace ns.
func linkIn(ns testNS) (netlink.Link, error) {
	h, err := netlink.NewHandleAt(ns.h)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	return h.LinkByName(Interface)
}

func newHost(tb testing.TB) host.Host {
	tb.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { h.Close() })
	return h
}

func connect(tb testing.TB, a, b host.Host) {
	tb.Helper()
	if err := a.Connect(context.Background(), peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()}); err != nil {
		tb.Fatal(err)
	}
}

func testLogger(name string) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", name)
}

// listenIn listens on TCP addr in namespace ns and serves each connection
// with serve; the listener closes with the test.
func listenIn(tb testing.TB, ns testNS, addr string, serve func(net.Conn)) {
	tb.Helper()
	ln, err := serveIn(ns, addr, serve)
	if err != nil {
		tb.Fatalf("listen on %s: %v", addr, err)
	}
	tb.Cleanup(func() { ln.Close() })
}

// serveIn listens on TCP addr in namespace ns and serves each connection
// with serve until the listener is closed.
func serveIn(ns testNS, addr string, serve func(net.Conn)) (net.Listener, error) {
	var ln net.Listener
	if err := inNS(ns.h, func() (err error) { ln, err = net.Listen("tcp", addr); return err }); err != nil {
		return nil, err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return ln, nil
}

func dialIn(ns testNS, addr string) (net.Conn, error) {
	var c net.Conn
	err := inNS(ns.h, func() (err error) { c, err = net.DialTimeout("tcp", addr, 5*time.Second); return err })
	return c, err
}
