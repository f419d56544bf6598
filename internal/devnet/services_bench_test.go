package devnet_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/service"
)

// BenchmarkServicePaidVsDirect runs, in one process and one run, a trivial
// service (an HTTP endpoint answering "ok") called (a) through the paid
// proxy: local HTTP to the proxy, a signed request with a voucher over
// /deco/service/3 (the calls waiting for the provider batched in one
// request), the provider's checks, its signed response, the proxy's
// verification; and (b) directly over the same libp2p path without
// payment: the same binary frames, one call a stream, to a handler that calls
// the same endpoint. Latency from sequential calls (each a batch of one),
// throughput from 16 concurrent callers, with the process's CPU time per
// request during it (the client, the proxy, the provider and the endpoint
// are all in this process). Run with -benchtime 1x.
func BenchmarkServicePaidVsDirect(b *testing.B) {
	ctx := context.Background()
	net, err := devnet.Start(ctx, devnet.Config{Nodes: 2, Dir: b.TempDir(), NoDocker: true,
		RedeemThreshold: 1e6 * money.Unit, RedeemPoll: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer net.Close()
	req, prov := net.Nodes[0], net.Nodes[1]
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer ep.Close()
	if _, err := prov.AddService(ctx, service.Local{Endpoint: ep.URL, Offer: service.Offer{Name: "trivial", Type: service.TypeHTTP,
		Price: 1, Verification: service.VerifySignature}}); err != nil {
		b.Fatal(err)
	}
	for len(req.ServiceOffers("trivial")) == 0 {
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := req.Settlement().Deposit(ctx, prov.Address(), 100*money.Unit); err != nil {
		b.Fatal(err)
	}
	proxy, err := req.ServiceProxy("trivial")
	if err != nil {
		b.Fatal(err)
	}
	ps := httptest.NewServer(proxy)
	defer ps.Close()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	paid := func() error {
		res, err := hc.Get(ps.URL + "/")
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(body) != "ok" {
			return fmt.Errorf("paid: %d %s", res.StatusCode, body)
		}
		return nil
	}
	// The direct path: same stream protocol machinery, no signatures,
	// vouchers or store.
	directProto := p2p.ProtocolID("bench-direct", 1)
	epc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	prov.Host().Handle(directProto, time.Minute, func(ctx context.Context, s network.Stream) {
		r, err := service.ReadRequest(s, service.MaxRequest)
		if err != nil {
			return
		}
		if len(r.Calls) != 1 {
			return
		}
		c := r.Calls[0]
		hr, _ := http.NewRequestWithContext(ctx, c.Method, ep.URL+c.Path, bytes.NewReader(c.Body))
		res, err := epc.Do(hr)
		if err != nil {
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		_ = service.WriteResponse(s, &service.Response{Results: []service.Result{{Status: res.StatusCode, Header: res.Header, Body: body}}})
	})
	pid, _ := peer.Decode(prov.PeerID())
	direct := func() error {
		s, err := req.Host().OpenStream(ctx, pid, directProto)
		if err != nil {
			return err
		}
		defer s.Close()
		if err := service.WriteRequest(s, &service.Request{Service: "trivial", Calls: []service.Call{{Method: "GET", Path: "/"}}}); err != nil {
			return err
		}
		r, err := service.ReadResponse(s, service.MaxResponse)
		if err != nil || len(r.Results) != 1 || string(r.Results[0].Body) != "ok" {
			return fmt.Errorf("direct: %v %+v", err, r)
		}
		return nil
	}
	const seq, conc, perWorker = 2000, 16, 500
	latency := func(call func() error) (p50, p99 time.Duration) {
		ts := make([]time.Duration, seq)
		for i := range ts {
			t0 := time.Now()
			if err := call(); err != nil {
				b.Fatal(err)
			}
			ts[i] = time.Since(t0)
		}
		slices.Sort(ts)
		return ts[seq/2], ts[seq*99/100]
	}
	// cpu is the process's CPU time (user and system): on a shared
	// machine the CPU a request costs moves less with the load than the
	// requests per second do.
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	rps := func(call func() error) (float64, time.Duration) {
		var wg sync.WaitGroup
		c0, t0 := cpu(), time.Now()
		for range conc {
			wg.Go(func() {
				for range perWorker {
					if err := call(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		return float64(conc*perWorker) / time.Since(t0).Seconds(), (cpu() - c0) / (conc * perWorker)
	}
	b.ResetTimer()
	for range b.N {
		_, _ = latency(direct) // warm both paths
		_, _ = latency(paid)
		dp50, dp99 := latency(direct)
		pp50, pp99 := latency(paid)
		drps, dcpu := rps(direct)
		prps, pcpu := rps(paid)
		b.ReportMetric(float64(dp50.Microseconds()), "direct-p50-µs")
		b.ReportMetric(float64(dp99.Microseconds()), "direct-p99-µs")
		b.ReportMetric(float64(pp50.Microseconds()), "paid-p50-µs")
		b.ReportMetric(float64(pp99.Microseconds()), "paid-p99-µs")
		b.ReportMetric(drps, "direct-req/s")
		b.ReportMetric(prps, "paid-req/s")
		b.ReportMetric(float64(dcpu.Microseconds()), "direct-cpu-µs/req")
		b.ReportMetric(float64(pcpu.Microseconds()), "paid-cpu-µs/req")
		b.Logf("direct: p50 %v p99 %v %.0f req/s %v CPU/req | paid: p50 %v p99 %v %.0f req/s %v CPU/req | added p50 %v",
			dp50, dp99, drps, dcpu, pp50, pp99, prps, pcpu, pp50-dp50)
	}
}

// BenchmarkServiceRedeemGas measures the gas of the one redeem that
// settles 1, 1,000 and 1,000,000 service requests (1 and 1,000 made
// through the proxy; the 1,000,000 as the voucher the proxy would sign
// after them: a cumulative voucher is the same size whatever it covers),
// each on a fresh channel, and prints the same settlement's cost under a
// per-batch approach (one transaction per batch of N signed requests),
// computed from the measured gas of one settlement transaction.
func BenchmarkServiceRedeemGas(b *testing.B) {
	ctx := context.Background()
	net, err := devnet.Start(ctx, devnet.Config{Nodes: 4, Dir: b.TempDir(), NoDocker: true,
		RedeemThreshold: 1e6 * money.Unit, RedeemPoll: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer net.Close()
	req := net.Nodes[0]
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer ep.Close()
	const price = money.Unit / 1000
	counts := []int{1, 1000, 1000000}
	gas := map[int]uint64{}
	for i, n := range counts {
		prov := net.Nodes[i+1]
		name := fmt.Sprintf("svc%d", i)
		if _, err := prov.AddService(ctx, service.Local{Endpoint: ep.URL, Offer: service.Offer{Name: name, Type: service.TypeHTTP,
			Price: price, Verification: service.VerifySignature}}); err != nil {
			b.Fatal(err)
		}
		for len(req.ServiceOffers(name)) == 0 {
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := req.Settlement().Deposit(ctx, prov.Address(), money.Amount(n)*price); err != nil {
			b.Fatal(err)
		}
		proxy, err := req.ServiceProxy(name)
		if err != nil {
			b.Fatal(err)
		}
		ps := httptest.NewServer(proxy)
		through := min(n, 1000)
		for range through {
			res, err := http.Get(ps.URL + "/")
			if err != nil || res.StatusCode != 200 {
				b.Fatalf("request: %v %v", err, res)
			}
			res.Body.Close()
		}
		ps.Close()
		v, err := req.Settlement().SignVoucher(prov.Address(), money.Amount(n)*price)
		if err != nil {
			b.Fatal(err)
		}
		res, err := prov.Settlement().Redeem(ctx, v)
		if err != nil || res.Amount != money.Amount(n)*price {
			b.Fatalf("redeem of %d requests: %+v %v", n, res, err)
		}
		gas[n] = res.GasUsed
		b.ReportMetric(float64(res.GasUsed), fmt.Sprintf("gas-redeem-%d", n))
	}
	b.Logf("requests | deco: one redeem (gas) | per batch of 1 | of 100 | of 1,000 (transactions × %d gas each)", gas[1])
	for _, n := range counts {
		row := fmt.Sprintf("%d | %d", n, gas[n])
		for _, batch := range []int{1, 100, 1000} {
			txs := (n + batch - 1) / batch
			row += fmt.Sprintf(" | %d txs, %d gas", txs, uint64(txs)*gas[1])
		}
		b.Logf("%s", row)
	}
}
