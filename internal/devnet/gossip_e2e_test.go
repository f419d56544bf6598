package devnet_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/p2p"
)

// TestGossipedOffersAreVerified: a peer outside the devnet gossips offers
// into it. A signed offer is taken into the nodes' catalogs; a tampered
// one (the signature no longer covers its content), published with a
// higher sequence number, is refused, so a later genuine offer still
// replaces the first.
func TestGossipedOffersAreVerified(t *testing.T) {
	net := start(t, t.TempDir())
	defer net.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h, err := p2p.New(ctx, p2p.Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := h.Connect(ctx, net.Nodes[0].Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	topic, err := h.Join(market.OfferTopic, market.MaxOfferSize, nil) // no validator of its own
	if err != nil {
		t.Fatal(err)
	}
	defer topic.Close()
	seller, err := identity.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	offerOf := func(seq uint64, cpu job.MilliCPU) offer.Offer {
		o := offer.Offer{Seq: seq, Free: job.Resources{CPU: cpu, Memory: 1 << 30}, Executors: []string{"wasm"},
			IssuedAt: time.Now(), Expires: time.Now().Add(time.Minute)}
		if err := o.Sign(seller); err != nil {
			t.Fatal(err)
		}
		return o
	}
	publish := func(o offer.Offer) {
		t.Helper()
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := topic.Publish(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	held := func() (offer.Offer, bool) { return net.Nodes[0].Catalog().Get(seller.PeerID()) }

	// Until the mesh forms, publish fresh genuine offers.
	for seq := uint64(1); ; seq++ {
		publish(offerOf(seq, 1000))
		if _, ok := held(); ok {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("no gossiped offer reached the catalog")
		}
		time.Sleep(200 * time.Millisecond)
	}
	forged := offerOf(1000, 1000)
	forged.Free.CPU = 64000 // the signature covers 1000
	publish(forged)
	publish(offerOf(500, 2000))
	for {
		o, _ := held()
		if o.Seq == 1000 {
			t.Fatalf("the tampered offer was taken: %+v", o.Free)
		}
		if o.Seq == 500 && o.Free.CPU == 2000 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the genuine offer after the tampered one never arrived; held %+v", o)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
