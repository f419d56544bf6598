package p2p

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

var loopbackAddrs = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}

// newTestHost starts a host on loopback and closes it when the test ends.
func newTestHost(t testing.TB, cfg Config) *Host {
	t.Helper()
	if cfg.ListenAddrs == nil {
		cfg.ListenAddrs = loopbackAddrs
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	h, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return h
}

// eventually polls cond every 50 ms until it holds or d passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func connected(a, b *Host) bool {
	return a.Libp2p().Network().Connectedness(b.ID()) == network.Connected
}

func TestNewUsesKeyAndListens(t *testing.T) {
	k, _, err := crypto.GenerateSecp256k1Key(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHost(t, Config{Key: k})
	want, err := peer.IDFromPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if h.ID() != want {
		t.Fatalf("ID = %s, want %s", h.ID(), want)
	}
	addrs := h.Addrs()
	t.Logf("addrs: %v", addrs)
	if len(addrs) != 2 {
		t.Fatalf("Addrs = %v, want a tcp and a quic address", addrs)
	}
	var tcp, quic bool
	for _, a := range addrs {
		if !strings.HasPrefix(a, "/ip4/127.0.0.1/") || !strings.HasSuffix(a, "/p2p/"+want.String()) {
			t.Errorf("address %q: want loopback with /p2p/<id>", a)
		}
		tcp = tcp || strings.Contains(a, "/tcp/")
		quic = quic || strings.Contains(a, "/quic-v1/")
	}
	if !tcp || !quic {
		t.Fatalf("Addrs = %v, want tcp and quic", addrs)
	}
}

func TestAddrsLoopbackFirst(t *testing.T) {
	h := newTestHost(t, Config{ListenAddrs: []string{"/ip4/0.0.0.0/tcp/0"}})
	addrs := h.Addrs()
	if len(addrs) == 0 || !strings.HasPrefix(addrs[0], "/ip4/127.0.0.1/") {
		t.Fatalf("Addrs = %v, want loopback first", addrs)
	}
	seenOther := false
	for _, a := range addrs {
		loop := strings.HasPrefix(a, "/ip4/127.") || strings.HasPrefix(a, "/ip6/::1/")
		if loop && seenOther {
			t.Fatalf("Addrs = %v: loopback after a non-loopback address", addrs)
		}
		seenOther = seenOther || !loop
	}
}

func TestConnectRejectsBadAddress(t *testing.T) {
	h := newTestHost(t, Config{})
	if err := h.Connect(t.Context(), "/ip4/127.0.0.1/tcp/1"); err == nil {
		t.Fatal("Connect without /p2p succeeded")
	}
}

func TestBootstrapTwoHosts(t *testing.T) {
	a := newTestHost(t, Config{})
	b := newTestHost(t, Config{Bootstrap: a.Addrs()[:1]})
	eventually(t, 10*time.Second, "b connects to a", func() bool { return connected(b, a) })
	var info PeerInfo
	eventually(t, 10*time.Second, "a measures latency to b", func() bool {
		i := slices.IndexFunc(a.Peers(), func(p PeerInfo) bool { return p.ID == b.ID() })
		if i < 0 {
			return false
		}
		info = a.Peers()[i]
		return info.Latency > 0
	})
	if !info.Connected || len(info.Addrs) == 0 {
		t.Fatalf("a's view of b = %+v, want connected with addresses", info)
	}
}

func TestOnPeerConnected(t *testing.T) {
	a := newTestHost(t, Config{})
	b := newTestHost(t, Config{})
	got := make(chan peer.ID, 1)
	a.OnPeerConnected(func(p peer.ID) { got <- p })
	if err := b.Connect(t.Context(), a.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != b.ID() {
			t.Fatalf("OnPeerConnected got %s, want %s", p, b.ID())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OnPeerConnected not called")
	}
}

func TestBootstrapThreeHostsRetries(t *testing.T) {
	// b and c start before a listens at the address they were given: they
	// must retry until a is up.
	k, _, err := crypto.GenerateSecp256k1Key(nil)
	if err != nil {
		t.Fatal(err)
	}
	probe := newTestHost(t, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	port := strings.Split(probe.Addrs()[0], "/")[4]
	if err := probe.Close(); err != nil {
		t.Fatal(err)
	}
	id, _ := peer.IDFromPrivateKey(k)
	addr := "/ip4/127.0.0.1/tcp/" + port + "/p2p/" + id.String()
	b := newTestHost(t, Config{Bootstrap: []string{addr}})
	c := newTestHost(t, Config{Bootstrap: []string{addr}})
	time.Sleep(300 * time.Millisecond)
	a := newTestHost(t, Config{Key: k, ListenAddrs: []string{"/ip4/127.0.0.1/tcp/" + port}})
	eventually(t, 6*time.Second, "b and c connect to a (retries are not held back by the swarm dial backoff)", func() bool {
		return connected(b, a) && connected(c, a)
	})
	if connected(b, c) {
		t.Fatal("b and c connected without discovery")
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	h, err := New(t.Context(), Config{ListenAddrs: loopbackAddrs, DHT: true, DHTMode: DHTServer})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestNewCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := New(ctx, Config{ListenAddrs: loopbackAddrs}); err == nil {
		t.Fatal("New with a canceled context succeeded")
	}
}

// TestBootstrapReconnectsAfterPeerRestart: a bootstrap peer that restarts
// (same key, same address, no bootstrap list of its own) is connected
// again by the host that bootstrapped through it.
func TestBootstrapReconnectsAfterPeerRestart(t *testing.T) {
	k, _, err := crypto.GenerateSecp256k1Key(nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(t.Context(), Config{Key: k, ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	boot := a.Addrs()[0]
	listen, _, _ := strings.Cut(boot, "/p2p/")
	b := newTestHost(t, Config{Bootstrap: []string{boot}})
	eventually(t, 10*time.Second, "b connects to a", func() bool { return connected(b, a) })
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "b sees a gone", func() bool { return !connected(b, a) })
	a2 := newTestHost(t, Config{Key: k, ListenAddrs: []string{listen}})
	eventually(t, 10*time.Second, "b reconnects to the restarted a", func() bool { return connected(b, a2) })
}
