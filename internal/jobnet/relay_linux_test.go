package jobnet

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/deco-network/deco/internal/p2p"
)

// TestJobNetworkThroughRelay runs a two-task job whose providers cannot
// connect to each other: F is firewalled (it listens nowhere and dials
// only the relay), B listens but F may not dial it. Their tasks exchange
// TCP data over the job network through a third host's relay: deco's own
// relay service, which sets no per-circuit limit (4 MiB cross it), and a
// plain libp2p relay with the default limits, whose "limited" connection
// the job network takes too (a short exchange, under its 128 KiB).
func TestJobNetworkThroughRelay(t *testing.T) {
	requireRoot(t)
	for _, tc := range []struct {
		name    string
		relay   func(t *testing.T) []string
		limited bool
		size    int
	}{
		{"deco relay service", decoRelay, false, 4 << 20},
		{"libp2p default relay", limitedRelay, true, 1 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			relay := tc.relay(t)
			relayID := relayPeer(t, relay)
			f := newP2PHost(t, p2p.Config{Firewalled: true, Bootstrap: relay, Relays: relay})
			b := newP2PHost(t, p2p.Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Bootstrap: relay, Relays: relay})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := f.Connect(ctx, b.Addrs()[0]); err == nil {
				t.Fatal("the firewalled provider connected to the other directly")
			}

			sF := New(Config{Host: f.Libp2p(), Logger: testLogger("F")})
			defer sF.Close()
			sB := New(Config{Host: b.Libp2p(), Logger: testLogger("B")})
			defer sB.Close()
			const jobID = "job-relay"
			members := []peer.ID{f.ID(), b.ID()}
			nsF, nsB := newNS(t), newNS(t)
			l0, err := sF.Join(ctx, jobID, 0, members, nsF.path)
			if err != nil {
				t.Fatal(err)
			}
			defer l0.Close()
			l1, err := sB.Join(ctx, jobID, 1, members, nsB.path)
			if err != nil {
				t.Fatal(err)
			}
			defer l1.Close()
			for i, l := range []*Link{l0, l1} {
				if err := l.Ready(ctx); err != nil {
					t.Fatalf("task %d: Ready: %v (connections %v)", i, err, b.ConnAddrs(f.ID()))
				}
			}

			listenIn(t, nsB, netip.AddrPortFrom(l1.Addr(), 7000).String(), func(c net.Conn) { io.Copy(c, c) })
			c, err := dialIn(nsF, netip.AddrPortFrom(l1.Addr(), 7000).String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			want := make([]byte, tc.size)
			rand.Read(want)
			go c.Write(want)
			got := make([]byte, len(want))
			if _, err := io.ReadFull(c, got); err != nil {
				t.Fatalf("read echo: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatal("echo differs")
			}

			conns := b.Libp2p().Network().ConnsToPeer(f.ID())
			if len(conns) == 0 {
				t.Fatal("no connection between the providers")
			}
			for _, c := range conns {
				if a := c.RemoteMultiaddr().String(); !strings.Contains(a, "/p2p/"+relayID.String()+"/p2p-circuit") {
					t.Errorf("providers connected at %s, not through the relay", a)
				}
				if c.Stat().Limited != tc.limited {
					t.Errorf("relayed connection limited = %v, want %v", c.Stat().Limited, tc.limited)
				}
			}
		})
	}
}

// decoRelay starts a deco relay service on loopback.
func decoRelay(t *testing.T) []string {
	return newP2PHost(t, p2p.Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, RelayService: true}).Addrs()
}

// limitedRelay starts a plain libp2p relay with the default limits.
func limitedRelay(t *testing.T) []string {
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"), libp2p.EnableRelayService(), libp2p.ForceReachabilityPublic())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	var out []string
	for _, a := range h.Addrs() {
		out = append(out, a.Encapsulate(ma.StringCast("/p2p/"+h.ID().String())).String())
	}
	return out
}

func relayPeer(t *testing.T, addrs []string) peer.ID {
	info, err := peer.AddrInfoFromString(addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	return info.ID
}

func newP2PHost(t *testing.T, cfg p2p.Config) *p2p.Host {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h, err := p2p.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	// Wait for the bootstrap connections, so that the firewalled host's
	// reservation is under way.
	for _, a := range cfg.Bootstrap {
		info, _ := peer.AddrInfoFromString(a)
		deadline := time.Now().Add(10 * time.Second)
		for h.Libp2p().Network().Connectedness(info.ID) != network.Connected {
			if time.Now().After(deadline) {
				t.Fatalf("not connected to bootstrap peer %s", a)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return h
}
