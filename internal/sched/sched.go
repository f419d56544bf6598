// Package sched places a job on a provider: feasibility filters first
// (cheapest first), then weighted scorers over the nodes that fit, and a
// placement report that says for every node considered why it was rejected
// or how it scored. It only computes a placement; committing capacity and
// payment is the caller's step.
package sched

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/offer"
)

// Code is the outcome of a filter.
type Code int

// Filter outcomes, after the Kubernetes scheduler framework.
const (
	// Fits: the node passes this filter.
	Fits Code = iota
	// Unschedulable: the node does not fit now but may later (busy).
	Unschedulable
	// UnschedulableForever: the node can never fit (wrong executor, too small).
	UnschedulableForever
	// Error: the filter failed to decide.
	Error
)

func (c Code) String() string {
	return [...]string{"fits", "does not fit now", "can never fit", "error"}[c]
}

// Status is a filter's verdict with its reason.
type Status struct {
	Code   Code   `json:"code"`
	Reason string `json:"reason,omitempty"`
}

// Fit is the passing status.
var Fit = Status{Code: Fits}

// Request is the per-job data computed once before filtering.
type Request struct {
	Spec job.Spec
}

// Filter decides whether one offer can take the job.
type Filter interface {
	Name() string
	Filter(r *Request, o *offer.Offer) Status
}

// Scorer rates a feasible offer from 0 (worst) to 100 (best), relative to
// the other feasible offers given in all.
type Scorer interface {
	Name() string
	Score(r *Request, o *offer.Offer, all []*offer.Offer) float64
}

// WeightedScorer is a scorer with its weight from configuration.
type WeightedScorer struct {
	Scorer Scorer
	Weight float64
}

// NodeReport is what happened to one node during placement.
type NodeReport struct {
	Node     string             `json:"node"`
	Feasible bool               `json:"feasible"`
	Filter   string             `json:"filter,omitempty"`
	Code     string             `json:"code,omitempty"`
	Reason   string             `json:"reason,omitempty"`
	Scores   map[string]float64 `json:"scores,omitempty"`
	Score    float64            `json:"score,omitempty"`
}

// Report is the placement report of one job.
type Report struct {
	Considered int          `json:"considered"`
	Feasible   int          `json:"feasible"`
	Chosen     string       `json:"chosen,omitempty"`
	Nodes      []NodeReport `json:"nodes"`
}

// ErrNoFit is returned (wrapped in *NoFitError) when no node can take the job.
var ErrNoFit = errors.New("no provider can run this job")

// NoFitError carries the report of a failed placement.
type NoFitError struct{ Report Report }

func (e *NoFitError) Error() string {
	var b strings.Builder
	if e.Report.Considered == 0 {
		return ErrNoFit.Error() + ": no offers known yet (are providers running and connected?)"
	}
	fmt.Fprintf(&b, "%s: %d offers considered", ErrNoFit, e.Report.Considered)
	for _, n := range e.Report.Nodes {
		fmt.Fprintf(&b, "\n  %s: %s", n.Node, n.Reason)
	}
	return b.String()
}

func (e *NoFitError) Unwrap() error { return ErrNoFit }

// Scheduler runs filters and scorers. Build it with New.
type Scheduler struct {
	filters []Filter
	scorers []WeightedScorer
}

// New returns a scheduler with the given plugins; filters run in order, so
// put the cheapest first.
func New(filters []Filter, scorers []WeightedScorer) *Scheduler {
	return &Scheduler{filters: filters, scorers: scorers}
}

// Default is the scheduler with the built-in filters and price scoring.
func Default() *Scheduler {
	return New([]Filter{ExecutorFilter{}, ResourcesFilter{}, GPUFilter{}, PriceFilter{}},
		[]WeightedScorer{{Scorer: PriceScorer{}, Weight: 1}})
}

// Place picks the best offer for spec. When none fits it returns a
// *NoFitError whose report lists every node and why.
func (s *Scheduler) Place(spec job.Spec, offers []offer.Offer) (Report, error) {
	req := &Request{Spec: spec}
	rep := Report{Considered: len(offers), Nodes: make([]NodeReport, 0, len(offers))}
	feasible := make([]*offer.Offer, 0, len(offers))
	idx := make([]int, 0, len(offers))
	for i := range offers {
		o := &offers[i]
		nr := NodeReport{Node: o.Node, Feasible: true}
		for _, f := range s.filters {
			if st := f.Filter(req, o); st.Code != Fits {
				nr.Feasible, nr.Filter, nr.Code, nr.Reason = false, f.Name(), st.Code.String(), st.Reason
				break
			}
		}
		rep.Nodes = append(rep.Nodes, nr)
		if nr.Feasible {
			feasible = append(feasible, o)
			idx = append(idx, len(rep.Nodes)-1)
		}
	}
	rep.Feasible = len(feasible)
	if len(feasible) == 0 {
		return rep, &NoFitError{Report: rep}
	}
	best := -1
	for i, o := range feasible {
		nr := &rep.Nodes[idx[i]]
		nr.Scores = make(map[string]float64, len(s.scorers))
		for _, ws := range s.scorers {
			v := ws.Scorer.Score(req, o, feasible)
			nr.Scores[ws.Scorer.Name()] = v
			nr.Score += ws.Weight * v
		}
		if best < 0 || nr.Score > rep.Nodes[idx[best]].Score ||
			(nr.Score == rep.Nodes[idx[best]].Score && o.Node < feasible[best].Node) {
			best = i
		}
	}
	rep.Chosen = feasible[best].Node
	sort.SliceStable(rep.Nodes, func(i, j int) bool {
		a, b := rep.Nodes[i], rep.Nodes[j]
		if a.Feasible != b.Feasible {
			return a.Feasible
		}
		return a.Score > b.Score
	})
	return rep, nil
}
