package devnet_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/node"
	"github.com/deco-network/deco/internal/service"
	"github.com/deco-network/deco/internal/store"
)

// Pay-per-request services end to end: real libp2p on loopback, the dev
// chain's escrow, SQLite; the service's endpoint is a plain HTTP server on
// loopback (an external local endpoint).

const servicePrice = money.Unit / 1000 // 0.001 DECO a request

// echoEndpoint is an HTTP server that answers every request with its
// path, counting them.
func echoEndpoint(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, b)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// offerService serves name from provider at price and waits until the
// requester node heard the offer.
func offerService(t *testing.T, ctx context.Context, prov, req *node.Node, name, endpoint string, price money.Amount) service.Offer {
	t.Helper()
	return offerServiceVerified(t, ctx, prov, req, name, endpoint, price, service.VerifySignature)
}

// offerServiceVerified is offerService with the offer's verification.
func offerServiceVerified(t *testing.T, ctx context.Context, prov, req *node.Node, name, endpoint string, price money.Amount, verification string) service.Offer {
	t.Helper()
	return offerLocal(t, ctx, prov, req, service.Local{Endpoint: endpoint,
		Offer: service.Offer{Name: name, Type: service.TypeHTTP, Price: price, Verification: verification}})
}

// offerLocal serves l from provider and waits until the requester node
// heard its offer.
func offerLocal(t *testing.T, ctx context.Context, prov, req *node.Node, l service.Local) service.Offer {
	t.Helper()
	o, err := prov.AddService(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	name := o.Name
	for {
		for _, h := range req.ServiceOffers(name) {
			if h.Provider == prov.PeerID() {
				return o
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("the requester never heard %s's offer of %s", prov.PeerID(), name)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serviceProxy listens on loopback with node's proxy for name.
func serviceProxy(t *testing.T, n *node.Node, name string) (*service.Proxy, string) {
	t.Helper()
	p, err := n.ServiceProxy(name)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL
}

func serviceDeposit(t *testing.T, ctx context.Context, req, prov *node.Node, amount money.Amount) {
	t.Helper()
	if _, err := req.Settlement().Deposit(ctx, prov.Address(), amount); err != nil {
		t.Fatal(err)
	}
}

func callProxy(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	res, err := http.Post(url, "text/plain", strings.NewReader("hi"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func startServiceNet(t *testing.T, cfg devnet.Config) *devnet.Net {
	t.Helper()
	if cfg.Nodes == 0 {
		cfg.Nodes = 3
	}
	// No automatic redeem: the tests redeem once, by hand.
	cfg.RedeemThreshold = 1000 * money.Unit
	cfg.RedeemPoll = time.Hour
	return startWith(t, cfg)
}

// TestServiceManyRequestsOneRedeem: 300 paid requests through the proxy,
// then one redeem pays the provider exactly 300 times the price.
func TestServiceManyRequestsOneRedeem(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	net := startServiceNet(t, devnet.Config{})
	defer net.Close()
	req, prov := net.Nodes[0], net.Nodes[1]
	ep, served := echoEndpoint(t)
	offerService(t, ctx, prov, req, "echo", ep.URL, servicePrice)
	serviceDeposit(t, ctx, req, prov, money.Unit)
	_, url := serviceProxy(t, req, "echo")

	const n = 300
	for i := range n {
		code, body, h := callProxy(t, fmt.Sprintf("%s/call/%d", url, i))
		if code != http.StatusOK || body != fmt.Sprintf("POST /call/%d hi", i) {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
		if h.Get(service.ProviderHeader) != prov.PeerID() || h.Get(service.AmountHeader) != servicePrice.String() {
			t.Fatalf("request %d: provider %s amount %s", i, h.Get(service.ProviderHeader), h.Get(service.AmountHeader))
		}
	}
	if served.Load() != n {
		t.Fatalf("endpoint served %d requests, want %d", served.Load(), n)
	}
	want := n * servicePrice
	if got, _ := req.Requester().ChannelTotal(ctx, prov.Address()); got != want {
		t.Fatalf("requester signed %s in all, want %s", got, want)
	}
	calls, err := prov.Store().ServiceCallsOf(ctx, store.RoleProvider)
	if err != nil || len(calls) != 1 || calls[0].Requests != n || calls[0].Charged != want {
		t.Fatalf("provider's service record %+v (%v)", calls, err)
	}
	r := redeemOnce(t, ctx, prov, want)
	t.Logf("%d requests settled in one redeem of %s DECO, %d gas", n, want, r.Result.GasUsed)
}

// redeemOnce has prov redeem what it holds, in one transaction, and
// checks that it was paid exactly want.
func redeemOnce(t *testing.T, ctx context.Context, prov *node.Node, want money.Amount) store.Redeem {
	t.Helper()
	before, _ := prov.Settlement().Balance(ctx, prov.Address())
	rs, err := prov.Provider().Redeem(ctx, nil)
	if err != nil || len(rs) != 1 {
		t.Fatalf("redeem: %d transactions (%v)", len(rs), err)
	}
	after, _ := prov.Settlement().Balance(ctx, prov.Address())
	if after-before != want || rs[0].Result.Amount != want {
		t.Fatalf("one redeem paid %s (tx says %s), want exactly %s", after-before, rs[0].Result.Amount, want)
	}
	return rs[0]
}

// TestServiceBadSignatureRetriedElsewhere: the cheaper provider signs its
// responses wrongly; the proxy drops it and the same request is answered
// by the other provider of the service.
func TestServiceBadSignatureRetriedElsewhere(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	net := startServiceNet(t, devnet.Config{ServiceSignHooks: map[int]func(*service.Response){
		1: func(r *service.Response) { r.Signature[10] ^= 0xff },
	}})
	defer net.Close()
	req, bad, good := net.Nodes[0], net.Nodes[1], net.Nodes[2]
	ep, served := echoEndpoint(t)
	offerService(t, ctx, bad, req, "echo", ep.URL, servicePrice)
	offerService(t, ctx, good, req, "echo", ep.URL, 2*servicePrice)
	serviceDeposit(t, ctx, req, bad, money.Unit)
	serviceDeposit(t, ctx, req, good, money.Unit)
	p, url := serviceProxy(t, req, "echo")

	code, body, h := callProxy(t, url+"/first")
	if code != http.StatusOK || body != "POST /first hi" || h.Get(service.ProviderHeader) != good.PeerID() {
		t.Fatalf("first request: %d %q from %s", code, body, h.Get(service.ProviderHeader))
	}
	if why := p.Dropped()[bad.PeerID()]; why != "bad response signature" {
		t.Fatalf("the bad provider was not dropped for its signature: %v", p.Dropped())
	}
	for i := range 5 {
		if code, _, h := callProxy(t, url+"/again"); code != http.StatusOK || h.Get(service.ProviderHeader) != good.PeerID() {
			t.Fatalf("request %d: %d from %s", i, code, h.Get(service.ProviderHeader))
		}
	}
	// The bad provider served one request (the endpoint counts it) and was
	// never asked again: the requester lost that one request's price.
	if served.Load() != 7 {
		t.Fatalf("endpoint served %d requests, want 7 (1 by the bad provider, 6 by the good one)", served.Load())
	}
	if got, _ := req.Requester().ChannelTotal(ctx, bad.Address()); got != servicePrice {
		t.Fatalf("requester promised the bad provider %s, want one request's %s", got, servicePrice)
	}
}

// TestServiceDepositExhausted402: a deposit of three requests' price pays
// three requests; the fourth gets a 402 from the requester's own proxy
// saying what to deposit.
func TestServiceDepositExhausted402(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	net := startServiceNet(t, devnet.Config{})
	defer net.Close()
	req, prov := net.Nodes[0], net.Nodes[1]
	ep, served := echoEndpoint(t)
	offerService(t, ctx, prov, req, "echo", ep.URL, servicePrice)
	serviceDeposit(t, ctx, req, prov, 3*servicePrice)
	_, url := serviceProxy(t, req, "echo")
	for i := range 3 {
		if code, body, _ := callProxy(t, url+"/x"); code != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, code, body)
		}
	}
	code, body, _ := callProxy(t, url+"/x")
	if code != http.StatusPaymentRequired || !strings.Contains(body, "deposit") || !strings.Contains(body, "deco wallet deposit "+prov.Address().String()) {
		t.Fatalf("fourth request: %d %q, want 402 saying to deposit", code, body)
	}
	if served.Load() != 3 {
		t.Fatalf("endpoint served %d, want 3", served.Load())
	}
}

// TestServiceReplayedVoucherRefused: a requester that sends a request
// with an earlier voucher again, or a lower one, is refused by the
// provider before its endpoint sees the request.
func TestServiceReplayedVoucherRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	var mode atomic.Int32 // 0 honest, 1 replay the first voucher, 2 lower it by one
	var first atomic.Pointer[service.Request]
	var signer atomic.Pointer[node.Node]
	net := startServiceNet(t, devnet.Config{ServiceRequestHooks: map[int]func(*service.Request){
		0: func(r *service.Request) {
			switch mode.Load() {
			case 0:
				if first.Load() == nil {
					c := *r
					first.Store(&c)
				}
			case 1:
				r.Voucher = first.Load().Voucher
			case 2:
				v := r.Voucher
				if sv, err := signer.Load().Settlement().SignVoucher(r.Provider, v.Cumulative-1); err == nil {
					r.Voucher = sv
				}
			}
		},
	}})
	defer net.Close()
	req, prov := net.Nodes[0], net.Nodes[1]
	signer.Store(req)
	ep, served := echoEndpoint(t)
	offerService(t, ctx, prov, req, "echo", ep.URL, servicePrice)
	serviceDeposit(t, ctx, req, prov, money.Unit)
	_, url := serviceProxy(t, req, "echo")
	for range 2 {
		if code, body, _ := callProxy(t, url+"/ok"); code != http.StatusOK {
			t.Fatalf("honest request: %d %s", code, body)
		}
	}
	for m, name := range map[int32]string{1: "replayed", 2: "lower"} {
		mode.Store(m)
		code, body, _ := callProxy(t, url+"/"+name)
		if code != http.StatusPaymentRequired || !strings.Contains(body, "does not cover") {
			t.Fatalf("%s voucher: %d %q, want 402 (does not cover)", name, code, body)
		}
	}
	if served.Load() != 2 {
		t.Fatalf("endpoint served %d, want only the 2 honest requests", served.Load())
	}
	mode.Store(0)
	if code, body, _ := callProxy(t, url+"/ok"); code != http.StatusOK {
		t.Fatalf("honest request after the refusals: %d %s", code, body)
	}
}

// TestServiceProviderStopsMidStream: the cheaper provider stops (its node
// closes) while a request is at its endpoint; the proxy answers the
// request from the other provider, and the stopped provider holds
// vouchers for at most the requests it served plus that one.
func TestServiceProviderStopsMidStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	net := startServiceNet(t, devnet.Config{})
	defer net.Close()
	req, stopping, good := net.Nodes[0], net.Nodes[1], net.Nodes[2]
	entered := make(chan struct{})
	released := make(chan struct{})
	cancelled := make(chan struct{})
	var once atomic.Bool
	var n atomic.Int64
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.URL.Path == "/slow" && once.CompareAndSwap(false, true) {
			// (Read the body first: net/http notices a closed connection,
			// and ends r.Context(), only once the body was read.)
			_, _ = io.ReadAll(r.Body)
			close(entered)
			// Held until the stopping provider cancels its request (the
			// test checks it does), or the test ends.
			select {
			case <-r.Context().Done():
				close(cancelled)
			case <-released:
			}
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer ep.Close()
	defer close(released) // before ep.Close, which waits for the handler
	offerService(t, ctx, stopping, req, "echo", ep.URL, servicePrice)
	offerService(t, ctx, good, req, "echo", ep.URL, 2*servicePrice)
	serviceDeposit(t, ctx, req, stopping, money.Unit)
	serviceDeposit(t, ctx, req, good, money.Unit)
	p, url := serviceProxy(t, req, "echo")
	const before = 10
	for i := range before {
		if code, _, h := callProxy(t, url+"/fast"); code != http.StatusOK || h.Get(service.ProviderHeader) != stopping.PeerID() {
			t.Fatalf("request %d: %d from %s", i, code, h.Get(service.ProviderHeader))
		}
	}
	closed := make(chan struct{})
	go func() {
		<-entered
		stopping.Close()
		close(closed)
	}()
	code, body, h := callProxy(t, url+"/slow")
	if code != http.StatusOK || body != "ok" || h.Get(service.ProviderHeader) != good.PeerID() {
		t.Fatalf("the request the provider stopped in: %d %q from %s", code, body, h.Get(service.ProviderHeader))
	}
	// (Closing, the provider may still get a signed "unavailable" out, or
	// its stream is cut and the proxy drops it: either way the request is
	// answered elsewhere.)
	t.Logf("dropped: %v", p.Dropped())
	promised, _ := req.Requester().ChannelTotal(ctx, stopping.Address())
	if promised > (before+1)*servicePrice {
		t.Fatalf("requester promised the stopped provider %s for %d served requests: more than one request's loss", promised, before)
	}
	t.Logf("stopped provider holds vouchers for %s: %d served requests and the one it stopped in", promised, before)
	// The stopped provider cancelled its call to the endpoint, and its
	// Close returned: nothing of it is left holding the request.
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("the stopped provider's request to its endpoint was not cancelled")
	}
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the provider's Close did not return")
	}
}

// TestServiceReplicateDropsTheOddOne: a replicate service of three
// providers, the cheapest of which answers differently. The first request
// is asked of the two cheapest, who disagree; the third decides, the odd
// one is dropped and the majority's response answered; later requests go
// to the two honest providers, who agree.
func TestServiceReplicateDropsTheOddOne(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	net := startServiceNet(t, devnet.Config{Nodes: 4})
	defer net.Close()
	req, odd, honest1, honest2 := net.Nodes[0], net.Nodes[1], net.Nodes[2], net.Nodes[3]
	good, served := echoEndpoint(t)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "a wrong answer")
	}))
	defer bad.Close()
	offerServiceVerified(t, ctx, odd, req, "digits", bad.URL, servicePrice, service.VerifyReplicate)
	offerServiceVerified(t, ctx, honest1, req, "digits", good.URL, 2*servicePrice, service.VerifyReplicate)
	offerServiceVerified(t, ctx, honest2, req, "digits", good.URL, 3*servicePrice, service.VerifyReplicate)
	for _, prov := range []*node.Node{odd, honest1, honest2} {
		serviceDeposit(t, ctx, req, prov, money.Unit)
	}
	p, url := serviceProxy(t, req, "digits")
	code, body, h := callProxy(t, url+"/predict")
	if code != http.StatusOK || body != "POST /predict hi" || h.Get(service.ReplicasHeader) != "2" {
		t.Fatalf("first request: %d %q replicas %q", code, body, h.Get(service.ReplicasHeader))
	}
	if h.Get(service.ProviderHeader) != honest1.PeerID() {
		t.Fatalf("answered by %s, want the cheaper honest provider", h.Get(service.ProviderHeader))
	}
	if why := p.Dropped()[odd.PeerID()]; !strings.Contains(why, "replica mismatch") || len(p.Dropped()) != 1 {
		t.Fatalf("dropped %v, want only the odd provider for a replica mismatch", p.Dropped())
	}
	for i := range 3 {
		code, body, h := callProxy(t, url+"/predict")
		if code != http.StatusOK || body != "POST /predict hi" || h.Get(service.ReplicasHeader) != "2" || h.Get(service.ProviderHeader) != honest1.PeerID() {
			t.Fatalf("request %d: %d %q replicas %q from %s", i, code, body, h.Get(service.ReplicasHeader), h.Get(service.ProviderHeader))
		}
	}
	// Each request was paid to every provider asked: the odd one once,
	// the honest ones four times each.
	for _, c := range []struct {
		prov *node.Node
		want money.Amount
	}{{odd, servicePrice}, {honest1, 4 * 2 * servicePrice}, {honest2, 4 * 3 * servicePrice}} {
		if got, _ := req.Requester().ChannelTotal(ctx, c.prov.Address()); got != c.want {
			t.Fatalf("promised %s to %s, want %s", got, c.prov.PeerID(), c.want)
		}
	}
	if served.Load() != 8 {
		t.Fatalf("the honest endpoint served %d requests, want 8 (4 requests, 2 replicas each)", served.Load())
	}
}

// TestServiceReplicateTwoDisagree: with two providers only and no third
// to decide, a disagreement fails the request (502) and drops nobody.
func TestServiceReplicateTwoDisagree(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	net := startServiceNet(t, devnet.Config{})
	defer net.Close()
	req, a, b := net.Nodes[0], net.Nodes[1], net.Nodes[2]
	good, _ := echoEndpoint(t)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "other") }))
	defer bad.Close()
	offerServiceVerified(t, ctx, a, req, "digits", bad.URL, servicePrice, service.VerifyReplicate)
	offerServiceVerified(t, ctx, b, req, "digits", good.URL, 2*servicePrice, service.VerifyReplicate)
	serviceDeposit(t, ctx, req, a, money.Unit)
	serviceDeposit(t, ctx, req, b, money.Unit)
	p, url := serviceProxy(t, req, "digits")
	code, body, _ := callProxy(t, url+"/predict")
	if code != http.StatusBadGateway || !strings.Contains(body, "answered differently") || !strings.Contains(body, "no third provider") {
		t.Fatalf("two disagreeing replicas: %d %q, want 502", code, body)
	}
	if len(p.Dropped()) != 0 {
		t.Fatalf("dropped %v: with two replicas nobody can be told wrong", p.Dropped())
	}
}
