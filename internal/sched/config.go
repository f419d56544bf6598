package sched

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Config is the scheduler section of a node's configuration.
type Config struct {
	// Weights maps scorer names (price, reputation, free, latency) to their
	// weights; names left out keep their defaults (DefaultWeights) and a
	// weight of 0 turns a scorer off.
	Weights map[string]float64 `json:"weights,omitempty" yaml:"weights,omitempty"`
	// FullReport is the catalog size up to which the report lists every
	// node in full (default DefaultFullReport).
	FullReport int `json:"fullReport,omitempty" yaml:"fullReport,omitempty"`
	// TopN is how many of the best feasible nodes a compact report lists
	// in full (default DefaultTopN).
	TopN int `json:"topN,omitempty" yaml:"topN,omitempty"`
	// Parallelism is how many goroutines share the pass over a large
	// catalog (default GOMAXPROCS; 1 for none).
	Parallelism int `json:"parallelism,omitempty" yaml:"parallelism,omitempty"`
}

// DefaultWeights returns the built-in scorer weights: price counts most,
// then reputation, then headroom and latency.
func DefaultWeights() map[string]float64 {
	return map[string]float64{"price": 1, "reputation": 0.5, "free": 0.25, "latency": 0.25}
}

// NewFromConfig builds the scheduler with the built-in filters, cheapest
// first (resources, executor, pool, region, labels, price, gpu,
// reputation), and the built-in scorers weighted by cfg. rep and rtt may
// be nil: every provider is then neutral. ops gives operators' policies
// (pools, groups, specs); nil knows none.
func NewFromConfig(cfg Config, rep ReputationSource, rtt LatencySource, ops OperatorSource) (*Scheduler, error) {
	weights := DefaultWeights()
	for name, w := range cfg.Weights {
		if _, ok := weights[name]; !ok {
			return nil, fmt.Errorf("scheduler weight %q: unknown scorer (known: %s)", name, strings.Join(slices.Sorted(maps.Keys(weights)), ", "))
		}
		if w < 0 || w != w || w > 1e6 {
			return nil, fmt.Errorf("scheduler weight %q: must be between 0 and 1e6, got %v", name, w)
		}
		weights[name] = w
	}
	if cfg.FullReport < 0 || cfg.TopN < 0 || cfg.Parallelism < 0 {
		return nil, fmt.Errorf("scheduler report sizes must not be negative")
	}
	var scorers []WeightedScorer
	for _, s := range []Scorer{PriceScorer{}, ReputationScorer{Source: rep}, FreeScorer{}, LatencyScorer{Source: rtt}} {
		if w := weights[s.Name()]; w > 0 {
			scorers = append(scorers, WeightedScorer{Scorer: s, Weight: w})
		}
	}
	s := New([]Filter{ResourcesFilter{}, ExecutorFilter{}, PoolFilter{Operators: ops}, RegionFilter{}, LabelsFilter{}, PriceFilter{Operators: ops}, GPUFilter{}, ReputationFilter{Source: rep}}, scorers)
	if cfg.FullReport > 0 {
		s.fullLimit = cfg.FullReport
	}
	if cfg.TopN > 0 {
		s.topN = cfg.TopN
	}
	if cfg.Parallelism > 0 {
		s.parallelism = cfg.Parallelism
	}
	s.rtt = rtt
	return s, nil
}
