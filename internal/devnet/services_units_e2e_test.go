package devnet_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/service"
	"github.com/deco-network/deco/internal/store"
)

// TestServicePerUnitChargesExactly: a service priced per request and per
// unit (the endpoint reports the units of each request, up to the
// offer's most) charges each request exactly price + units × unit price:
// the requester's latest voucher, both sides' records and the one redeem
// pay exactly the sum, not the unused part of any request's most
// (sequential requests, then concurrent ones that go in batches).
func TestServicePerUnitChargesExactly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	net := startServiceNet(t, devnet.Config{})
	defer net.Close()
	req, prov := net.Nodes[0], net.Nodes[1]
	const price, unitPrice, maxUnits = servicePrice, money.Unit / 100000, 50
	// The endpoint reports the units the path asks for (/units/N).
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.Header().Set(service.UnitsHeader, strings.TrimPrefix(r.URL.Path, "/units/"))
		fmt.Fprint(w, "ok")
	}))
	defer ep.Close()
	offerLocal(t, ctx, prov, req, service.Local{Endpoint: ep.URL, Offer: service.Offer{Name: "llm", Type: service.TypeHTTP,
		Price: price, UnitPrice: unitPrice, MaxUnits: maxUnits, Verification: service.VerifySignature}})
	serviceDeposit(t, ctx, req, prov, money.Unit)
	_, url := serviceProxy(t, req, "llm")
	var mu sync.Mutex
	var want money.Amount
	call := func(units int) {
		code, body, h := callProxy(t, fmt.Sprintf("%s/units/%d", url, units))
		cost := price + unitPrice*money.Amount(min(units, maxUnits))
		if code != http.StatusOK || body != "ok" || h.Get(service.AmountHeader) != cost.String() {
			t.Errorf("%d units: %d %q charged %s, want %s", units, code, body, h.Get(service.AmountHeader), cost)
			return
		}
		mu.Lock()
		want += cost
		mu.Unlock()
	}
	const sequential, concurrent = 10, 64
	for i := range sequential {
		call(i * 7) // 0 to 63 units: the last ones over the most, capped
	}
	var wg sync.WaitGroup
	for i := range concurrent {
		wg.Go(func() { call(i % 20) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if got, _ := req.Requester().ChannelTotal(ctx, prov.Address()); got != want {
		t.Fatalf("the requester's latest voucher is for %s, want exactly %s (the sum of price + units × unit price)", got, want)
	}
	for _, side := range []struct {
		name string
		st   *store.Store
		role store.Role
	}{{"requester", req.Store(), store.RoleRequester}, {"provider", prov.Store(), store.RoleProvider}} {
		calls, err := side.st.ServiceCallsOf(ctx, side.role)
		if err != nil || len(calls) != 1 || calls[0].Requests != sequential+concurrent || calls[0].Charged != want {
			t.Fatalf("%s's service record %+v (%v), want %d requests charged %s", side.name, calls, err, sequential+concurrent, want)
		}
	}
	// The provider's latest voucher may arrive just after the response.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, _ := prov.Store().PayChannel(ctx, store.RoleProvider, req.Address(), prov.Address())
		if c.Latest.Cumulative == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the provider's latest voucher is for %s, want %s", c.Latest.Cumulative, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	redeemOnce(t, ctx, prov, want)
	t.Logf("%d per-unit requests, one redeem of exactly %s DECO", sequential+concurrent, want)
}
