package p2p

import (
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// TestReachThroughDHT: a peer this host knows only by its ID (connection
// closed, addresses forgotten) is reached through the addresses the DHT
// finds for it; an ID nobody knows is an error, not a hang.
func TestReachThroughDHT(t *testing.T) {
	cfg := func(bootstrap []string) Config {
		return Config{DHT: true, DHTMode: DHTServer, Bootstrap: bootstrap}
	}
	a := newTestHost(t, cfg(nil))
	b := newTestHost(t, cfg(a.Addrs()))
	c := newTestHost(t, cfg(a.Addrs()))
	eventually(t, 30*time.Second, "b and c are in a's routing table", func() bool {
		return a.dht.RoutingTable().Find(b.ID()) != "" && a.dht.RoutingTable().Find(c.ID()) != "" && b.dht.RoutingTable().Size() > 0
	})
	_ = b.h.Network().ClosePeer(c.ID())
	b.h.Peerstore().ClearAddrs(c.ID())
	if len(b.h.Peerstore().Addrs(c.ID())) != 0 || connected(b, c) {
		t.Fatal("b still knows c")
	}
	if err := b.Reach(t.Context(), c.ID()); err != nil {
		t.Fatalf("reach c through the DHT: %v", err)
	}
	if !connected(b, c) {
		t.Fatal("Reach returned without a connection")
	}
	other := newTestHost(t, Config{})
	id := other.ID()
	_ = other.Close()
	start := time.Now()
	if err := b.Reach(t.Context(), peer.ID(id)); err == nil {
		t.Fatal("reached a peer nobody knows")
	}
	t.Logf("unknown peer answered in %s", time.Since(start))
}
