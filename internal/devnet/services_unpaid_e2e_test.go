package devnet_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/node"
	"github.com/deco-network/deco/internal/service"
	"github.com/deco-network/deco/internal/store"
)

// TestServiceUnitsWithheldCostOneBatch: a requester that never sends the
// Payment for the units a per-unit response used, and whose next vouchers
// pay every call's price but not those units, gets its first batch served
// on credit and nothing after it: every later batch is refused (402 from
// its own proxy), sequential and concurrent alike, so that the provider's
// loss is at most the units of that one batch. Once the requester pays
// (its honest voucher, which covers the units), it is served again and
// the provider's latest voucher covers everything it served.
func TestServiceUnitsWithheldCostOneBatch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	// A call's units (100 × the price) are worth more than the prices of
	// a whole batch: no voucher a refused batch left behind can cover
	// the units withheld.
	const price, unitPrice, units = servicePrice, 2 * servicePrice, 50
	var (
		hostile  atomic.Bool
		mu       sync.Mutex
		reqNode  *node.Node
		sent     money.Amount // the latest voucher the provider was given
		withheld money.Amount // what the requester owes beyond it
		batches  []int        // the calls of each request sent
		hookErr  error        // a voucher the hook could not sign
		payments atomic.Int64 // Payments withheld
	)
	net := startServiceNet(t, devnet.Config{Nodes: 2,
		ServicePaymentHooks: map[int]func(service.Payment) bool{0: func(p service.Payment) bool {
			if !hostile.Load() {
				return true
			}
			mu.Lock()
			withheld = p.Voucher.Cumulative - sent
			mu.Unlock()
			payments.Add(1)
			return false
		}},
		ServiceRequestHooks: map[int]func(*service.Request){0: func(r *service.Request) {
			mu.Lock()
			defer mu.Unlock()
			batches = append(batches, len(r.Calls))
			if hostile.Load() && withheld > 0 {
				// Every price paid, the units withheld never.
				v, err := reqNode.Settlement().SignVoucher(r.Voucher.Provider, r.Voucher.Cumulative-withheld)
				if err != nil {
					hookErr = err
					return
				}
				r.Voucher = v
			}
			sent = max(sent, r.Voucher.Cumulative)
		}},
	})
	defer net.Close()
	req, prov := net.Nodes[0], net.Nodes[1]
	reqNode = req
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.Header().Set(service.UnitsHeader, fmt.Sprint(units))
		fmt.Fprint(w, "ok")
	}))
	defer ep.Close()
	offerLocal(t, ctx, prov, req, service.Local{Endpoint: ep.URL, Offer: service.Offer{Name: "llm", Type: service.TypeHTTP,
		Price: price, UnitPrice: unitPrice, MaxUnits: units, Verification: service.VerifySignature}})
	serviceDeposit(t, ctx, req, prov, money.Unit)
	_, url := serviceProxy(t, req, "llm")
	cost := price + unitPrice*units

	hostile.Store(true)
	// 16 concurrent callers: the first batch is served, on credit.
	var served, refused atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			switch code, body, _ := callProxy(t, url); code {
			case http.StatusOK:
				served.Add(1)
			case http.StatusPaymentRequired:
				refused.Add(1)
			default:
				t.Errorf("unexpected answer %d %q", code, body)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	first := batches[0]
	mu.Unlock()
	if served.Load() != int64(first) || refused.Load() != 16-int64(first) || payments.Load() != 1 {
		t.Fatalf("%d served, %d refused, %d payments withheld; want the first batch (%d calls) served, every other refused, one payment withheld",
			served.Load(), refused.Load(), payments.Load(), first)
	}
	// Then one at a time: still refused.
	for range 3 {
		if code, body, _ := callProxy(t, url); code != http.StatusPaymentRequired {
			t.Fatalf("a call after the units were withheld: %d %q, want 402", code, body)
		}
	}
	if hookErr != nil {
		t.Fatal(hookErr)
	}
	// The provider's loss: what it served less its latest voucher, at
	// most the units of the first batch (less when the vouchers of the
	// refused batches, which it keeps, paid prices it did not serve).
	loss := func() (money.Amount, money.Amount) {
		calls, err := prov.Store().ServiceCallsOf(ctx, store.RoleProvider)
		if err != nil || len(calls) != 1 {
			t.Fatalf("the provider's service record %+v (%v)", calls, err)
		}
		c, err := prov.Store().PayChannel(ctx, store.RoleProvider, req.Address(), prov.Address())
		if err != nil {
			t.Fatal(err)
		}
		return calls[0].Charged, calls[0].Charged - c.Latest.Cumulative
	}
	charged, lost := loss()
	if want := money.Amount(first) * cost; charged != want {
		t.Fatalf("the provider charged %s, want %s (%d calls served)", charged, want, first)
	}
	if bound := money.Amount(first) * unitPrice * units; lost > bound || lost <= 0 || first > service.MaxBatch {
		t.Fatalf("the provider lost %s, want more than nothing and at most the first batch's units: %d calls × %d units = %s", lost, first, units, bound)
	}
	t.Logf("units withheld: first batch of %d served on credit (lost %s DECO), %d concurrent and 3 sequential calls refused",
		first, lost, refused.Load())

	// The requester pays: its honest voucher covers the units, and it is
	// served again.
	hostile.Store(false)
	if code, body, _ := callProxy(t, url); code != http.StatusOK || body != "ok" {
		t.Fatalf("a call once the requester pays: %d %q", code, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		charged, lost = loss()
		if lost == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("once paid, the provider's latest voucher is %s short of the %s it served", lost, charged)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if want := money.Amount(first+1) * cost; charged != want {
		t.Fatalf("the provider charged %s, want %s", charged, want)
	}
	redeemOnce(t, ctx, prov, charged)
}
