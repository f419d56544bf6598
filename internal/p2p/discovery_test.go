package p2p

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	drouting "github.com/libp2p/go-libp2p/p2p/discovery/routing"
	dutil "github.com/libp2p/go-libp2p/p2p/discovery/util"
)

func TestDHTDiscoveryThroughBootstrap(t *testing.T) {
	cfg := func(bootstrap []string) Config {
		return Config{DHT: true, DHTMode: DHTServer, Bootstrap: bootstrap, DiscoveryInterval: 300 * time.Millisecond}
	}
	a := newTestHost(t, cfg(nil))
	b := newTestHost(t, cfg(a.Addrs()))
	c := newTestHost(t, cfg(a.Addrs()))
	eventually(t, 30*time.Second, "b and c find each other through a", func() bool {
		return connected(b, c) && connected(c, b)
	})
	// Both advertise under the rendezvous namespace: c finds b there.
	rd := drouting.NewRoutingDiscovery(c.dht)
	eventually(t, 30*time.Second, "c finds b's advertisement", func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		found, err := dutil.FindPeers(ctx, rd, DiscoveryNamespace)
		if err != nil {
			t.Logf("find peers: %v", err)
			return false
		}
		return slices.ContainsFunc(found, func(p peer.AddrInfo) bool { return p.ID == b.ID() && len(p.Addrs) > 0 })
	})
}

func TestMDNSDiscovery(t *testing.T) {
	// mDNS needs multicast on a network interface. Where the sandbox has
	// none, the test is skipped unless DECO_REQUIRE_MDNS is set.
	a := newTestHost(t, Config{MDNS: true})
	b := newTestHost(t, Config{MDNS: true})
	deadline := time.Now().Add(15 * time.Second)
	for !connected(a, b) {
		if time.Now().After(deadline) {
			msg := "mdns: hosts on this machine did not find each other in 15s (is multicast available on a non-loopback interface?)"
			if os.Getenv("DECO_REQUIRE_MDNS") != "" {
				t.Fatal(msg)
			}
			t.Skip(msg + "; set DECO_REQUIRE_MDNS=1 to make this a failure")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
