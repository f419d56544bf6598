package sched

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
)

// benchCatalog is n offers shaped like a mixed network: mostly CPU boxes
// of various sizes and loads, a fifth with GPUs, several regions, labels
// and pools, prices spread over a range.
func benchCatalog(n int) ([]offer.Offer, fakeReputation, fakeRTT) {
	rng := rand.New(rand.NewPCG(1, 2))
	regions := []string{"eu-west", "eu-central", "us-east", "us-west", "ap-south", ""}
	gpuModels := []string{"NVIDIA A100-SXM4-80GB", "NVIDIA H100 80GB HBM3", "NVIDIA GeForce RTX 4090", "NVIDIA T4", "AMD Instinct MI250X"}
	offers := make([]offer.Offer, n)
	rep, rtt := fakeReputation{}, fakeRTT{}
	for i := range offers {
		total := job.Resources{CPU: job.MilliCPU(1+rng.IntN(64)) * 1000, Memory: job.ByteSize(1+rng.IntN(256)) << 30, Disk: job.ByteSize(10+rng.IntN(1000)) << 30}
		load := rng.Float64()
		free := job.Resources{CPU: job.MilliCPU(float64(total.CPU) * (1 - load)), Memory: job.ByteSize(float64(total.Memory) * (1 - load)), Disk: total.Disk / 2}
		o := offer.Offer{
			Node:      fmt.Sprintf("12D3KooW%044d", i),
			Seq:       uint64(i),
			Free:      free,
			Total:     total,
			Executors: []string{"docker", "wasm"}[:1+rng.IntN(2)],
			Region:    regions[rng.IntN(len(regions))],
			Prices: offer.Prices{CPUHour: money.Amount(10_000 + rng.IntN(90_000)), MemoryGiBHour: money.Amount(1_000 + rng.IntN(9_000)),
				GPUHour: money.Amount(500_000 + rng.IntN(2_000_000))},
			Labels: map[string]string{"tier": []string{"gold", "silver", "bronze"}[rng.IntN(3)]},
		}
		if rng.IntN(5) == 0 {
			m := gpuModels[rng.IntN(len(gpuModels))]
			vendor := "nvidia"
			if m[0] == 'A' {
				vendor = "amd"
			}
			for range 1 + rng.IntN(8) {
				o.GPUs = append(o.GPUs, offer.GPU{Vendor: vendor, Model: m, VRAM: job.ByteSize(16+rng.IntN(64)) << 30})
			}
			o.Total.GPUs, o.Free.GPUs = len(o.GPUs), len(o.GPUs)
		}
		if rng.IntN(10) == 0 {
			o.Pool = "farm-a"
		}
		if rng.IntN(2) == 0 {
			rep[o.Node] = rng.Float64()
		}
		if rng.IntN(2) == 0 {
			rtt[o.Node] = time.Duration(rng.IntN(200)) * time.Millisecond
		}
		offers[i] = o
	}
	return offers, rep, rtt
}

// benchSpec is a typical CPU job with a price ceiling and a reputation
// floor: it leaves a good share of any catalog feasible, the expensive
// case for scoring.
func benchSpec() job.Spec {
	s := spec(2000, 4<<30)
	s.MaxPricePerHour = money.Unit / 2
	s.Constraints.MinReputation = 0.3
	return s
}

func benchPlace(b *testing.B, n int, sources bool) {
	offers, rep, rtt := benchCatalog(n)
	var rs ReputationSource
	var ls LatencySource
	if sources {
		rs, ls = rep, rtt
	}
	s, err := NewFromConfig(Config{}, rs, ls, nil)
	if err != nil {
		b.Fatal(err)
	}
	sp := benchSpec()
	r, err := s.Place(sp, offers)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d offers: %d feasible, %d rejection groups, %d nodes in full", n, r.Feasible, len(r.Rejected), len(r.Nodes))
	var times []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := s.PlaceRequest(NewRequest(sp, "requester"), offers); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(times)
	pct := func(p float64) float64 { return float64(times[int(p*float64(len(times)-1))]) / 1e6 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkPlace10k schedules one job (filter, score, report) against
// 10,000 offers.
func BenchmarkPlace10k(b *testing.B) { benchPlace(b, 10_000, true) }

// BenchmarkPlace100k schedules one job against 100,000 offers.
func BenchmarkPlace100k(b *testing.B) { benchPlace(b, 100_000, true) }

// BenchmarkPlace100kNoSources is BenchmarkPlace100k without reputation and
// latency sources (every node neutral): the scheduler's own cost, without
// the sources' 150,000-odd map lookups.
func BenchmarkPlace100kNoSources(b *testing.B) { benchPlace(b, 100_000, false) }
