package sched

import (
	"time"

	"github.com/deco-network/deco/internal/offer"
)

// NeutralReputation is the reputation of a provider nobody knows yet.
const NeutralReputation = 0.5

// ReputationSource gives a provider's reputation from 0 (worst) to 1
// (best); ok is false when the node is unknown.
type ReputationSource interface {
	Reputation(node string) (rep float64, ok bool)
}

// LatencySource gives the measured round-trip time to a node; ok is false
// when none is known.
type LatencySource interface {
	RTT(node string) (rtt time.Duration, ok bool)
}

// reputation asks src, falling back to neutral for a nil source, an
// unknown node or an out-of-range answer.
func (r *Request) reputation(src ReputationSource, node string) (float64, bool) {
	if src == nil {
		return NeutralReputation, false
	}
	rep, ok := src.Reputation(node)
	if !ok || rep != rep || rep < 0 || rep > 1 {
		rep, ok = NeutralReputation, false
	}
	return rep, ok
}

// PriceScorer prefers cheaper providers: 100 for the cheapest feasible, 0
// for the dearest, linear between.
type PriceScorer struct{}

// Name implements Scorer.
func (PriceScorer) Name() string { return "price" }

// Score implements Scorer: the raw score is the task's price per hour.
func (PriceScorer) Score(r *Request, o *offer.Offer) float64 {
	return float64(o.Prices.PerHour(r.Spec.Resources))
}

// Normalize implements Normalizer.
func (PriceScorer) Normalize(_ *Request, scores []float64) {
	if len(scores) == 0 {
		return
	}
	lo, hi := scores[0], scores[0]
	for _, v := range scores {
		lo, hi = min(lo, v), max(hi, v)
	}
	for i, v := range scores {
		if hi == lo {
			scores[i] = 100
		} else {
			scores[i] = 100 * (hi - v) / (hi - lo)
		}
	}
}

// ReputationScorer prefers providers with a better reputation: 100 times
// the reputation, 50 for unknown ones.
type ReputationScorer struct {
	// Source gives reputations; nil makes every provider neutral.
	Source ReputationSource
}

// Name implements Scorer.
func (ReputationScorer) Name() string { return "reputation" }

// Expensive implements Expensive: asking the source costs a lookup.
func (s ReputationScorer) Expensive() bool { return s.Source != nil }

// Score implements Scorer.
func (s ReputationScorer) Score(r *Request, o *offer.Offer) float64 {
	rep, _ := r.reputation(s.Source, o.Node)
	return 100 * rep
}

// FreeScorer prefers providers left with more headroom after placing the
// task: 100 times the mean, over CPU, memory and disk, of the share of the
// provider's total still free afterwards (spreading load).
type FreeScorer struct{}

// Name implements Scorer.
func (FreeScorer) Name() string { return "free" }

// Score implements Scorer.
func (FreeScorer) Score(r *Request, o *offer.Offer) float64 {
	need := &r.Spec.Resources
	var sum float64
	n := 0
	add := func(want, free, total int64) {
		if total <= 0 {
			total = free
		}
		if total <= 0 {
			return
		}
		sum += float64(free-want) / float64(total)
		n++
	}
	add(int64(need.CPU), int64(o.Free.CPU), int64(o.Total.CPU))
	add(int64(need.Memory), int64(o.Free.Memory), int64(o.Total.Memory))
	add(int64(need.Disk), int64(o.Free.Disk), int64(o.Total.Disk))
	if n == 0 {
		return 50
	}
	return 100 * sum / float64(n)
}

// LatencyRef is the round-trip time that LatencyScorer scores 50, the same
// as an unknown one.
const LatencyRef = 50 * time.Millisecond

// LatencyScorer prefers providers closer in round-trip time: 100 at zero,
// 50 at LatencyRef (and when unknown), falling towards 0 as RTT grows.
type LatencyScorer struct {
	// Source gives measured RTTs; nil makes every provider unknown.
	Source LatencySource
}

// Name implements Scorer.
func (LatencyScorer) Name() string { return "latency" }

// Expensive implements Expensive: asking the source costs a lookup.
func (s LatencyScorer) Expensive() bool { return s.Source != nil }

// Score implements Scorer.
func (s LatencyScorer) Score(_ *Request, o *offer.Offer) float64 {
	if s.Source == nil {
		return 50
	}
	rtt, ok := s.Source.RTT(o.Node)
	if !ok || rtt < 0 {
		return 50
	}
	return 100 * float64(LatencyRef) / float64(LatencyRef+rtt)
}
