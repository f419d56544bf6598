package devnet_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/service"
	"github.com/deco-network/deco/internal/store"
)

// TestServiceConcurrentRequestsBatched: concurrent callers of the proxy
// have their requests to one provider sent in batches (several calls,
// one voucher, one signature each way); every call is answered with its
// own response and charged once, and the provider is paid exactly the
// sum. Then the provider signs its batches wrongly: it is dropped and
// every call of the batch is answered by the other provider; the
// requester promised it at most the calls it served plus that one batch.
func TestServiceConcurrentRequestsBatched(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	var largest atomic.Int64 // the most calls in one request
	var batches atomic.Int64
	var lie atomic.Bool
	net := startServiceNet(t, devnet.Config{
		ServiceRequestHooks: map[int]func(*service.Request){0: func(r *service.Request) {
			batches.Add(1)
			for n := int64(len(r.Calls)); ; {
				if l := largest.Load(); n <= l || largest.CompareAndSwap(l, n) {
					break
				}
			}
		}},
		ServiceSignHooks: map[int]func(*service.Response){1: func(r *service.Response) {
			if lie.Load() {
				r.Signature[3] ^= 0xff
			}
		}},
	})
	defer net.Close()
	req, first, second := net.Nodes[0], net.Nodes[1], net.Nodes[2]
	ep, served := echoEndpoint(t)
	offerService(t, ctx, first, req, "echo", ep.URL, servicePrice)
	offerService(t, ctx, second, req, "echo", ep.URL, 2*servicePrice)
	serviceDeposit(t, ctx, req, first, money.Unit)
	serviceDeposit(t, ctx, req, second, money.Unit)
	p, url := serviceProxy(t, req, "echo")
	const workers, each = 16, 25
	run := func(phase string, from *atomic.Int64) {
		t.Helper()
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					path := fmt.Sprintf("/%s/%d/%d", phase, w, i)
					code, body, h := callProxy(t, url+path)
					if code != http.StatusOK || body != "POST "+path+" hi" {
						t.Errorf("%s: %d %q", path, code, body)
						return
					}
					if h.Get(service.ProviderHeader) == first.PeerID() {
						from.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
	}
	var fromFirst atomic.Int64
	run("honest", &fromFirst)
	if fromFirst.Load() != workers*each || served.Load() != workers*each {
		t.Fatalf("%d of %d answered by the cheaper provider, endpoint served %d", fromFirst.Load(), workers*each, served.Load())
	}
	if largest.Load() < 2 {
		t.Fatalf("%d concurrent calls went in %d requests of at most %d call: nothing was batched", workers*each, batches.Load(), largest.Load())
	}
	t.Logf("%d concurrent calls went in %d requests (the largest of %d calls)", workers*each, batches.Load(), largest.Load())
	want := workers * each * servicePrice
	if got, _ := req.Requester().ChannelTotal(ctx, first.Address()); got != want {
		t.Fatalf("the requester signed %s, want exactly %s", got, want)
	}
	calls, err := first.Store().ServiceCallsOf(ctx, store.RoleProvider)
	if err != nil || len(calls) != 1 || calls[0].Requests != workers*each || calls[0].Charged != want {
		t.Fatalf("provider's record %+v (%v)", calls, err)
	}
	redeemOnce(t, ctx, first, want)

	// The cheaper provider now signs wrongly.
	lie.Store(true)
	largest.Store(0)
	var stillFirst atomic.Int64
	run("lying", &stillFirst)
	if stillFirst.Load() != 0 {
		t.Fatalf("%d calls answered by the provider that signs wrongly", stillFirst.Load())
	}
	if why := p.Dropped()[first.PeerID()]; why != "bad response signature" {
		t.Fatalf("dropped %v, want the lying provider for its signature", p.Dropped())
	}
	promised, _ := req.Requester().ChannelTotal(ctx, first.Address())
	// One batch went to it: the calls that waited behind that batch were
	// sent elsewhere, not to the dropped provider.
	if lost := promised - want; lost <= 0 || lost > money.Amount(largest.Load())*servicePrice {
		t.Fatalf("the requester lost %s to the lying provider, want one batch (at most %d calls, %s)",
			lost, largest.Load(), money.Amount(largest.Load())*servicePrice)
	} else {
		t.Logf("lost to the lying provider: %s (one batch; the largest batch of the phase held %d calls)", lost, largest.Load())
	}
}
