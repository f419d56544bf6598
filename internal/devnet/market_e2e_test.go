package devnet_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/provider"

	p2pcrypto "github.com/libp2p/go-libp2p/core/crypto"
)

// requesterHost is a bare libp2p host with its own deco key, standing in
// for a second requester.
func requesterHost(t testing.TB, ctx context.Context, connectTo string) (*p2p.Host, *identity.Key) {
	t.Helper()
	k, _ := identity.Generate(nil)
	pk, err := p2pcrypto.UnmarshalSecp256k1PrivateKey(k.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	h, err := p2p.New(ctx, p2p.Config{Key: pk, ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	if err := h.Connect(ctx, connectTo); err != nil {
		t.Fatal(err)
	}
	return h, k
}

// TestLastGPURace: two requesters ask at the same moment for the provider's
// only GPU; exactly one gets a quote, the other is told why.
func TestLastGPURace(t *testing.T) {
	net := start(t, t.TempDir())
	defer net.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	prov := net.Nodes[1]
	m, _, err := prov.Detect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m.GPUs = []inventory.GPU{{Index: 0, UUID: "GPU-test-0", Vendor: "nvidia", Model: "NVIDIA A100-SXM4-80GB", VRAM: 80 << 30}}
	pol := provider.Policy{Share: inventory.Share{CPU: 1000, Memory: 1 << 30, Disk: 1 << 30, GPUs: []string{"GPU-test-0"}},
		Prices: offer.Prices{CPUHour: 1000, GPUHour: money.Unit}}
	if err := prov.Provider().SetOnboarding(ctx, provider.Onboarding{Machine: m, Policy: pol}); err != nil {
		t.Fatal(err)
	}
	spec := job.Spec{APIVersion: job.APIVersion, Image: image, Resources: job.Resources{GPUs: 1}}
	spec.ApplyDefaults()
	spec.Resources.CPU, spec.Resources.Memory, spec.Resources.Disk = 100, 64<<20, 64<<20
	pid, _ := peer.Decode(prov.PeerID())

	const racers = 2
	var wg sync.WaitGroup
	replies := make([]market.QuoteReply, racers)
	errs := make([]error, racers)
	hosts := make([]*p2p.Host, racers)
	keys := make([]*identity.Key, racers)
	for i := range racers {
		hosts[i], keys[i] = requesterHost(t, ctx, prov.Addrs()[0])
	}
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := market.QuoteRequest{JobID: job.NewID(), ExecutionID: job.NewID(), Spec: spec, SpecDigest: job.Digest(spec), RequesterAddress: keys[i].Address()}
			errs[i] = hosts[i].Request(ctx, pid, p2p.ProtocolID(market.ProtoQuote, 1), req, &replies[i], market.MaxTaskEvent)
		}()
	}
	wg.Wait()
	won := 0
	for i := range racers {
		if errs[i] != nil {
			t.Fatalf("racer %d: %v", i, errs[i])
		}
		if replies[i].Quote != nil {
			won++
			if err := replies[i].Quote.VerifyProvider(time.Now()); err != nil {
				t.Fatalf("winning quote: %v", err)
			}
			if replies[i].Quote.Terms.PerHour < money.Unit {
				t.Fatalf("quote %v does not price the GPU", replies[i].Quote.Terms.PerHour)
			}
		} else if !strings.Contains(replies[i].Error, "gpu") {
			t.Fatalf("loser's answer %q does not say the GPU is taken", replies[i].Error)
		}
	}
	if won != 1 {
		t.Fatalf("%d requesters got the last GPU", won)
	}
}

// TestQuotesAboveMaxPriceAreRefused: providers whose pricing command asks
// more than the job's maximum are refused with both figures, and the
// requester's error lists every provider's answer.
func TestQuotesAboveMaxPriceAreRefused(t *testing.T) {
	net := start(t, t.TempDir())
	defer net.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	script := filepath.Join(t.TempDir(), "price.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ncat >/dev/null\necho 9\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range net.Nodes[1:] {
		ob := n.Provider().Onboarding()
		ob.Policy.PricingCommand = []string{script}
		if err := n.Provider().SetOnboarding(ctx, *ob); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := client.FromDataDir(net.DataDir(0))
	// 8 DECO/h passes the offers' prices (about 3.8 and 7.4 DECO/h for this
	// task), so the refusal comes from the quotes (9 DECO/h).
	_, err := c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, MaxPricePerHour: 8 * money.Unit})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != 422 {
		t.Fatalf("want 422, got %v", err)
	}
	for _, n := range net.Nodes[1:] {
		want := n.PeerID() + ": quote refused: 9/h is above the job's maximum 8/h"
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error lacks %q:\n%v", want, err)
		}
	}
	// The refused quotes were declined: both providers are whole again.
	deadline := time.Now().Add(10 * time.Second)
	for _, n := range net.Nodes[1:] {
		for n.Provider().Running() != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%s still holds a declined quote's capacity", n.PeerID())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
