package p2p

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/prometheus/client_golang/prometheus"
)

// TestRelayedStreams starts a relay R, a firewalled host F (no listen
// address, no direct connection but to R) and an ordinary host B, and
// checks that B and F, which cannot connect directly, exchange data both
// ways through R, far past the relay v2 default limit of 128 KiB.
func TestRelayedStreams(t *testing.T) {
	r := newTestHost(t, Config{RelayService: true})
	f := newTestHost(t, Config{Firewalled: true, Bootstrap: r.Addrs(), Relays: r.Addrs()})
	b := newTestHost(t, Config{Bootstrap: r.Addrs(), Relays: r.Addrs()})
	// A host that knows no relay cannot reach F at all.
	plain := newTestHost(t, Config{Bootstrap: r.Addrs()})

	for _, a := range f.Addrs() {
		if !strings.Contains(a, "/p2p-circuit") {
			t.Fatalf("firewalled host advertises a direct address %s", a)
		}
	}
	eventually(t, 10*time.Second, "b and the firewalled host connect to r", func() bool {
		return connected(b, r) && connected(f, r)
	})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := f.Connect(ctx, b.Addrs()[0]); err == nil {
		t.Fatalf("the firewalled host connected to b directly: %v", f.ConnAddrs(b.ID()))
	}

	const proto = "/deco/relay-echo/1"
	for _, h := range []*Host{f, b} {
		h.Handle(proto, 0, func(ctx context.Context, s network.Stream) { io.Copy(s, s) })
	}
	var st network.Stream
	eventually(t, 20*time.Second, "b opens a stream to the firewalled host (after its reservation on r)", func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		s, err := b.OpenStream(ctx, f.ID(), proto)
		if err != nil {
			t.Logf("open stream: %v", err)
			return false
		}
		st = s
		return true
	})
	echo := func(t *testing.T, s network.Stream) {
		t.Helper()
		defer s.Close()
		s.SetDeadline(time.Now().Add(20 * time.Second))
		want := make([]byte, 4<<20)
		rand.Read(want)
		go func() {
			s.Write(want)
			s.CloseWrite()
		}()
		got, err := io.ReadAll(s)
		if err != nil {
			t.Fatalf("read echo after %d bytes: %v", len(got), err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("echo of %d bytes differs (%d back)", len(want), len(got))
		}
	}
	echo(t, st)
	for _, a := range append(b.ConnAddrs(f.ID()), f.ConnAddrs(b.ID())...) {
		if !strings.Contains(a, "/p2p/"+r.ID().String()+"/p2p-circuit") {
			t.Errorf("connection between b and the firewalled host at %s, not through r", a)
		}
	}
	for _, c := range b.Libp2p().Network().ConnsToPeer(f.ID()) {
		if c.Stat().Limited {
			t.Errorf("relayed connection %s is limited: the relay must not cut job networks", c.RemoteMultiaddr())
		}
	}

	// The other way: the firewalled host reuses the relayed connection.
	ctx, cancel = context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	back, err := f.OpenStream(ctx, b.ID(), proto)
	if err != nil {
		t.Fatal(err)
	}
	echo(t, back)

	ctx, cancel = context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	if s, err := plain.OpenStream(ctx, f.ID(), proto); err == nil {
		s.Reset()
		t.Fatal("a host without relays reached the firewalled host")
	}
}

func TestParseRelays(t *testing.T) {
	r := newTestHost(t, Config{})
	infos, err := parseRelays(r.Addrs())
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].ID != r.ID() || len(infos[0].Addrs) != 2 {
		t.Fatalf("parseRelays(%v) = %v, want one relay with two addresses", r.Addrs(), infos)
	}
	if _, err := parseRelays([]string{"/ip4/127.0.0.1/tcp/1"}); err == nil {
		t.Fatal("a relay address without /p2p/ was accepted")
	}
	if _, err := New(t.Context(), Config{Relays: []string{"nonsense"}}); err == nil {
		t.Fatal("New accepted a bad relay address")
	}
}

func TestRelayServiceMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	newTestHost(t, Config{RelayService: true, Metrics: reg})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "libp2p_relaysvc_status" && len(mf.GetMetric()) == 1 && mf.GetMetric()[0].GetGauge().GetValue() == 1 {
			return
		}
	}
	t.Fatal("libp2p_relaysvc_status is not 1: the relay service reports no metrics")
}
