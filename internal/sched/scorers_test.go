package sched

import (
	"math"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
)

// scoreAll runs s over offers like the scheduler does (score, then
// normalise when the scorer is relative).
func scoreAll(s Scorer, sp job.Spec, offers []offer.Offer) []float64 {
	r := NewRequest(sp, "")
	out := make([]float64, len(offers))
	for i := range offers {
		out[i] = s.Score(r, &offers[i])
	}
	if n, ok := s.(Normalizer); ok {
		n.Normalize(r, out)
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestScorers(t *testing.T) {
	half := mkOffer("half", 8000, 8<<30, 0)
	half.Free = job.Resources{CPU: 4000, Memory: 4 << 30, Disk: 5 << 30}
	noTotal := half
	noTotal.Node, noTotal.Total = "nototal", job.Resources{}
	tests := []struct {
		name   string
		scorer Scorer
		offers []offer.Offer
		want   []float64
	}{
		{"price: cheapest 100, dearest 0, linear between", PriceScorer{},
			[]offer.Offer{mkOffer("a", 8000, 8<<30, money.Unit), mkOffer("b", 8000, 8<<30, 3*money.Unit), mkOffer("c", 8000, 8<<30, 2*money.Unit)},
			[]float64{100, 0, 50}},
		{"price: all equal all 100", PriceScorer{}, []offer.Offer{mkOffer("a", 8000, 8<<30, 1), mkOffer("b", 8000, 8<<30, 1)}, []float64{100, 100}},
		{"reputation: 100 times, unknown neutral", ReputationScorer{Source: fakeReputation{"a": 1, "b": 0.2}},
			[]offer.Offer{mkOffer("a", 8000, 8<<30, 0), mkOffer("b", 8000, 8<<30, 0), mkOffer("c", 8000, 8<<30, 0)},
			[]float64{100, 20, 50}},
		{"reputation: nil source neutral", ReputationScorer{}, []offer.Offer{mkOffer("a", 8000, 8<<30, 0)}, []float64{50}},
		// Job takes 1 core, 1GiB, 1GiB disk. Idle 8 core/8GiB/10GiB node:
		// (7/8 + 7/8 + 9/10)/3; half-busy one: (3/8 + 3/8 + 4/10)/3.
		{"free: headroom after placing", FreeScorer{},
			[]offer.Offer{mkOffer("idle", 8000, 8<<30, 0), half, noTotal},
			[]float64{100 * (7.0/8 + 7.0/8 + 9.0/10) / 3, 100 * (3.0/8 + 3.0/8 + 4.0/10) / 3, 100 * (3.0/4 + 3.0/4 + 4.0/5) / 3}},
		{"latency: 100 at 0, 50 at ref and unknown", LatencyScorer{Source: fakeRTT{"near": 0, "ref": LatencyRef, "far": 3 * LatencyRef}},
			[]offer.Offer{mkOffer("near", 8000, 8<<30, 0), mkOffer("ref", 8000, 8<<30, 0), mkOffer("far", 8000, 8<<30, 0), mkOffer("unknown", 8000, 8<<30, 0)},
			[]float64{100, 50, 25, 50}},
		{"latency: nil source neutral", LatencyScorer{}, []offer.Offer{mkOffer("a", 8000, 8<<30, 0)}, []float64{50}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := scoreAll(tc.scorer, spec(1000, 1<<30), tc.offers)
			for i := range got {
				if !near(got[i], tc.want[i]) {
					t.Fatalf("scores %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestLatencyDecreases(t *testing.T) {
	s := LatencyScorer{Source: fakeRTT{"a": time.Millisecond, "b": 10 * time.Millisecond, "c": time.Second}}
	got := scoreAll(s, spec(1000, 1<<30), []offer.Offer{mkOffer("a", 1, 1, 0), mkOffer("b", 1, 1, 0), mkOffer("c", 1, 1, 0)})
	if !(got[0] > got[1] && got[1] > got[2] && got[2] > 0) {
		t.Fatalf("latency scores not decreasing with RTT: %v", got)
	}
}
