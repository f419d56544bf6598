package devnet_test

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/p2p"
)

// BenchmarkQuoteToDeal measures, on loopback, a requester asking a provider
// for a signed quote (the provider re-checks capacity, reserves it, prices
// and signs), countersigning it, and sending the deal until the provider
// has committed it (its "accepted" answer). Reports p50 and p90.
func BenchmarkQuoteToDeal(b *testing.B) {
	ctx := context.Background()
	net, err := devnet.Start(ctx, devnet.Config{Nodes: 2, Dir: b.TempDir(), NoDocker: true, NoChain: true})
	if err != nil {
		b.Fatal(err)
	}
	defer net.Close()
	prov := net.Nodes[1]
	h, key := requesterHost(b, ctx, prov.Addrs()[0])
	defer h.Close()
	pid, _ := peer.Decode(prov.PeerID())
	// A module that fails at once: the benchmark ends at the deal.
	spec := job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm, Wasm: &job.WasmModule{Inline: []byte("\x00asm\x01\x00\x00\x00")},
		Resources: job.Resources{CPU: 10, Memory: 16 << 20, Disk: 1 << 20}}
	spec.ApplyDefaults()
	digest := job.Digest(spec)
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		jobID, execID := job.NewID(), job.NewID()
		var reply market.QuoteReply
		err := h.Request(ctx, pid, p2p.ProtocolID(market.ProtoQuote, 1), market.QuoteRequest{JobID: jobID, ExecutionID: execID,
			Spec: spec, SpecDigest: digest, RequesterAddress: key.Address()}, &reply, market.MaxTaskEvent)
		if err != nil || reply.Quote == nil {
			b.Fatalf("quote: %v %s", err, reply.Error)
		}
		if err := reply.Quote.VerifyProvider(time.Now()); err != nil {
			b.Fatal(err)
		}
		deal, err := market.Accept(*reply.Quote, key)
		if err != nil {
			b.Fatal(err)
		}
		s, err := h.OpenStream(ctx, pid, p2p.ProtocolID(market.ProtoTask, 1))
		if err != nil {
			b.Fatal(err)
		}
		if err := p2p.WriteMsg(s, market.TaskRequest{JobID: jobID, ExecutionID: execID, Spec: spec, SpecDigest: digest, Deal: &deal}); err != nil {
			b.Fatal(err)
		}
		var ev market.TaskEvent
		if err := p2p.ReadMsg(s, &ev, market.MaxTaskEvent); err != nil || ev.Type != market.EventAccepted {
			b.Fatalf("deal: %v %+v", err, ev)
		}
		times = append(times, time.Since(t0))
		s.Reset()
	}
	b.StopTimer()
	reportPercentiles(b, times, "ms")
}
