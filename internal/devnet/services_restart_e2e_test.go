package devnet_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/node"
	"github.com/deco-network/deco/internal/service"
	"github.com/deco-network/deco/internal/settle/evm"
)

// waitServiceOffer waits until n heard provider's offer of name expiring
// after after, and returns it.
func waitServiceOffer(t *testing.T, ctx context.Context, n *node.Node, provider, name string, after time.Time) service.Offer {
	t.Helper()
	for {
		for _, o := range n.ServiceOffers(name) {
			if o.Provider == provider && o.Expires.After(after) {
				return o
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("never heard %s's offer of %s expiring after %s", provider, name, after)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// registryEvents are the service registry's logs after block from.
func registryEvents(t *testing.T, ctx context.Context, c *evm.Client, from uint64) []evm.ServiceEvent {
	t.Helper()
	head, err := c.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if head.Number <= from {
		return nil
	}
	evs, err := c.ServiceEvents(ctx, from+1, head.Number)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// servesOwn reports whether n serves (and lists as its own) service name.
func servesOwn(n *node.Node, name string) bool {
	for _, o := range n.ServiceOffers(name) {
		if o.Provider == n.PeerID() {
			return true
		}
	}
	return false
}

// TestServiceRegistrationSurvivesRestart: a registered service is served
// again by the restarted provider (its offer gossiped afresh, no new
// registration on chain: its terms are there) and called through the
// same proxy for a paid answer; a registration removed from the chain
// while the node was down is sent again on restart; a removed service is
// not served after a restart.
func TestServiceRegistrationSurvivesRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	net := startServiceNet(t, devnet.Config{})
	defer net.Close()
	req, prov := net.Nodes[0], net.Nodes[1]
	ep, served := echoEndpoint(t)
	res, err := prov.RegisterService(ctx, api.ServiceRegistration{Name: "echo", Price: servicePrice, Endpoint: ep.URL})
	if err != nil || res.Registry == nil {
		t.Fatalf("register: %+v %v (want an on-chain registration)", res, err)
	}
	first := waitServiceOffer(t, ctx, req, prov.PeerID(), "echo", time.Time{})
	serviceDeposit(t, ctx, req, prov, 1000*servicePrice)
	p, url := serviceProxy(t, req, "echo")
	paid := func(stage string) {
		t.Helper()
		code, body, h := callProxy(t, url+"/"+stage)
		if code != http.StatusOK || body != "POST /"+stage+" hi" || h.Get(service.ProviderHeader) != prov.PeerID() ||
			h.Get(service.AmountHeader) != servicePrice.String() {
			t.Fatalf("%s: %d %q provider %s amount %s", stage, code, body, h.Get(service.ProviderHeader), h.Get(service.AmountHeader))
		}
	}
	paid("before")
	chain := prov.Settlement().(*evm.Client)
	head, err := chain.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Restart: served again, re-gossiped, no transaction.
	if err := net.Restart(ctx, 1); err != nil {
		t.Fatal(err)
	}
	prov = net.Nodes[1]
	if !servesOwn(prov, "echo") {
		t.Fatal("the restarted provider does not serve echo")
	}
	waitServiceOffer(t, ctx, req, prov.PeerID(), "echo", first.Expires)
	paid("after")
	if served.Load() != 2 || len(p.Dropped()) != 0 {
		t.Fatalf("endpoint served %d, dropped %v", served.Load(), p.Dropped())
	}
	select { // the restored registration's check runs in the background
	case <-prov.ServicesRestored():
	case <-ctx.Done():
		t.Fatal("the restarted provider never finished checking its registrations on chain")
	}
	if evs := registryEvents(t, ctx, chain, head.Number); len(evs) != 0 {
		t.Fatalf("a restart with the terms on chain sent %d registry transactions: %+v", len(evs), evs)
	}

	// Removed from the chain while the node is down: registered again.
	net.Stop(1)
	if _, err := chain.RemoveService(ctx, "echo"); err != nil {
		t.Fatal(err)
	}
	if err := net.Start(ctx, 1); err != nil {
		t.Fatal(err)
	}
	prov = net.Nodes[1]
	chain = prov.Settlement().(*evm.Client)
	for {
		if r, ok, err := chain.RegisteredService(ctx, prov.Address(), "echo"); err == nil && ok && r.PeerID == prov.PeerID() && r.Price == servicePrice {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the restarted provider never registered echo again on chain")
		}
		time.Sleep(100 * time.Millisecond)
	}
	paid("re-registered")

	// Removed: forgotten, not served after a restart.
	if err := prov.RemoveService(ctx, "echo"); err != nil {
		t.Fatal(err)
	}
	if regs, err := prov.Store().ServiceRegistrations(ctx); err != nil || len(regs) != 0 {
		t.Fatalf("kept after removal: %+v %v", regs, err)
	}
	if err := net.Restart(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if prov = net.Nodes[1]; servesOwn(prov, "echo") {
		t.Fatal("a removed service is served after a restart")
	}
}

// TestServiceCalledFromChainOnly: a requester that hears no gossiped
// offer of the provider (its gossip filtered) lists the provider's
// service from the chain and calls it through its proxy for a paid
// answer, on the registration's terms, after forgetting the provider's
// connection and addresses.
func TestServiceCalledFromChainOnly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	net := startServiceNet(t, devnet.Config{ServiceOfferHooks: map[int]func(service.Offer) bool{0: func(service.Offer) bool { return false }}})
	defer net.Close()
	req, prov := net.Nodes[0], net.Nodes[1]
	ep, served := echoEndpoint(t)
	if _, err := prov.RegisterService(ctx, api.ServiceRegistration{Name: "echo", Price: servicePrice, Verification: service.VerifyNone,
		Endpoint: ep.URL}); err != nil {
		t.Fatal(err)
	}
	// The other node hears the gossip; the requester does not.
	waitServiceOffer(t, ctx, net.Nodes[2], prov.PeerID(), "echo", time.Time{})
	if os := req.ServiceOffers("echo"); len(os) != 0 {
		t.Fatalf("the requester heard gossip: %+v", os)
	}
	ls, err := req.RegisteredServices(ctx)
	if err != nil || len(ls) != 1 || ls[0].Provider != prov.PeerID() || ls[0].Gossiped {
		t.Fatalf("chain listing: %+v %v", ls, err)
	}
	serviceDeposit(t, ctx, req, prov, 1000*servicePrice)
	pid, err := peer.Decode(prov.PeerID())
	if err != nil {
		t.Fatal(err)
	}
	lh := req.Host().Libp2p()
	_ = lh.Network().ClosePeer(pid)
	lh.Peerstore().ClearAddrs(pid)
	_, url := serviceProxy(t, req, "echo")
	for i := range 3 {
		code, body, h := callProxy(t, url+"/chain")
		if code != http.StatusOK || body != "POST /chain hi" || h.Get(service.ProviderHeader) != prov.PeerID() ||
			h.Get(service.AmountHeader) != servicePrice.String() {
			t.Fatalf("request %d: %d %q provider %s amount %s", i, code, body, h.Get(service.ProviderHeader), h.Get(service.AmountHeader))
		}
	}
	if served.Load() != 3 {
		t.Fatalf("endpoint served %d, want 3", served.Load())
	}
	if got, _ := req.Requester().ChannelTotal(ctx, prov.Address()); got != 3*servicePrice {
		t.Fatalf("requester signed %s, want %s", got, 3*servicePrice)
	}
}

// TestBillingDepositsReadIncrementally: the statement's deposits (read
// from a cursor, only the blocks since the last statement) list every
// deposit after each new one, none twice.
func TestBillingDepositsReadIncrementally(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	net := startServiceNet(t, devnet.Config{Nodes: 2})
	defer net.Close()
	req, prov := net.Nodes[0], net.Nodes[1]
	c := client.New(req.APIURL(), req.Token())
	from := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	to := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	base, err := c.Billing(ctx, client.BillingQuery{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		serviceDeposit(t, ctx, req, prov, money.Amount(i)*servicePrice)
		b, err := c.Billing(ctx, client.BillingQuery{From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		want := base.Deposited + money.Amount(i*(i+1)/2)*servicePrice
		if len(b.Deposits) != len(base.Deposits)+i || b.Deposited != want {
			t.Fatalf("after deposit %d: %d deposits summing to %s, want %d summing to %s", i, len(b.Deposits), b.Deposited,
				len(base.Deposits)+i, want)
		}
	}
}
