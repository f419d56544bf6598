// Package sched places a job on a provider: feasibility filters first
// (cheapest first), then weighted scorers over the nodes that fit, and a
// placement report that says for every node considered why it was rejected
// or how it scored. It only computes a placement; committing capacity and
// payment is the caller's step.
package sched

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
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

// String is the code in words, as the placement report shows it.
func (c Code) String() string {
	if c < Fits || c > Error {
		return fmt.Sprintf("code %d", int(c))
	}
	return [...]string{"fits", "does not fit now", "can never fit", "error"}[c]
}

// Status is a filter's verdict with its reason.
type Status struct {
	Code Code `json:"code"`
	// Reason is a short phrase naming the failed constraint, the same for
	// every node that fails the same way (the report groups nodes by it).
	// Filters must not format it per node: it is on the hot path.
	Reason string `json:"reason,omitempty"`
	// Detail gives this node's figures ("cpu: needs 2 cores, 1 cores
	// free"). Filters fill it only when Request.Explain is set.
	Detail string `json:"detail,omitempty"`
}

// Fit is the passing status.
var Fit = Status{Code: Fits}

// Request is one job's placement input with the data computed once before
// filtering (the pre-filter step). Build it with NewRequest.
type Request struct {
	// Spec is the job.
	Spec job.Spec
	// Requester is the requester's node ID, matched against pools that
	// admit only some requesters; empty matches only open offers.
	Requester string
	// Explain asks filters to fill Status.Detail. The scheduler sets it
	// only when re-running a filter for a node it reports in full.
	Explain bool

	executor       string
	executorReason string
	maxPrice       money.Amount
	poolReason     string
	requesterAddr  identity.Address
	operator       identity.Address
	hasOperator    bool
	providers      map[string]struct{}
	regions        []string
	notRegions     []string
	labels         []label
	notLabels      []label
	minRep         float64
}

// label is one precomputed label selector with its rejection reason.
type label struct{ key, value, reason string }

// NewRequest runs the built-in pre-filter step for spec on behalf of
// requester: it defaults the executor as job.ApplyDefaults does (for specs
// not yet defaulted) and turns the constraints into sorted selectors and
// sets with their rejection reasons.
func NewRequest(spec job.Spec, requester string) *Request {
	r := &Request{Spec: spec, Requester: requester}
	r.executor = spec.Executor
	if r.executor == "" {
		r.executor = job.DefaultExecutor
	}
	r.executorReason = "does not run the " + r.executor + " executor"
	r.maxPrice = spec.MaxPricePerHour
	c := spec.Constraints
	if c.Pool != "" {
		r.poolReason = fmt.Sprintf("not in pool %q", c.Pool)
	}
	if a, err := identity.ParseAddress(c.Operator); err == nil {
		r.operator, r.hasOperator = a, true
	}
	// A requester that is not a peer ID (tests) matches no group.
	r.requesterAddr, _ = identity.PeerAddress(requester)
	if len(c.Providers) > 0 {
		r.providers = make(map[string]struct{}, len(c.Providers))
		for _, p := range c.Providers {
			r.providers[p] = struct{}{}
		}
	}
	r.regions, r.notRegions = c.Regions, c.NotRegions
	r.labels = selectors(c.Labels, "lacks label %s=%s")
	r.notLabels = selectors(c.NotLabels, "has refused label %s=%s")
	r.minRep = c.MinReputation
	return r
}

func selectors(m map[string]string, format string) []label {
	out := make([]label, 0, len(m))
	for k, v := range m {
		out = append(out, label{k, v, fmt.Sprintf(format, k, v)})
	}
	slices.SortFunc(out, func(a, b label) int { return strings.Compare(a.key, b.key) })
	return out
}

// Filter decides whether one offer can take the job. It runs once per
// offer per job, so it must be cheap and should not allocate on the
// common path.
type Filter interface {
	Name() string
	Filter(r *Request, o *offer.Offer) Status
}

// PreFilter is implemented by plugins that check or prepare a job once
// before the filter loop; an error fails the placement.
type PreFilter interface {
	PreFilter(r *Request) error
}

// Skipper is implemented by filters that know, once per job, that they
// pass every offer (e.g. the region filter of a job without region
// constraints); the scheduler then leaves them out of the loop.
type Skipper interface {
	Skip(r *Request) bool
}

// Scorer rates a feasible offer. Unless the scorer is also a Normalizer,
// the score is already on the 0 (worst) to 100 (best) scale.
type Scorer interface {
	Name() string
	Score(r *Request, o *offer.Offer) float64
}

// Normalizer is implemented by scorers whose scores are relative to the
// other feasible offers (e.g. cheapest = 100): Normalize rescales the raw
// scores of all feasible offers, in place, to 0..100.
type Normalizer interface {
	Normalize(r *Request, scores []float64)
}

// Expensive is implemented by scorers whose Score is costly (it asks an
// outside source). Over a large catalog the scheduler then runs them only
// for the offers that can still reach the top of the ranking, bounding
// their unknown scores by 100; the report's best nodes are exact. A
// Normalizer is never treated as expensive.
type Expensive interface {
	Expensive() bool
}

// WeightedScorer is a scorer with its weight from configuration.
type WeightedScorer struct {
	Scorer Scorer
	Weight float64
}

// Scheduler runs filters and scorers. Build it with New or NewFromConfig.
type Scheduler struct {
	filters     []Filter
	prefilters  []PreFilter
	scorers     []WeightedScorer
	fullLimit   int
	topN        int
	parallelism int
	lazy        []bool // per scorer: Expensive, scored only where it can matter
	rtt         LatencySource
}

// Report size defaults: catalogs up to DefaultFullReport offers get every
// node in full; larger ones get the DefaultTopN best feasible nodes in full
// and every rejected node listed under its reason.
const (
	DefaultFullReport = 200
	DefaultTopN       = 20
)

// New returns a scheduler with the given plugins; filters run in order, so
// put the cheapest first. Filters that implement PreFilter are run once
// per job before the loop. Large catalogs are split among GOMAXPROCS
// goroutines, so filters, scorers and their sources must be safe for
// concurrent use.
func New(filters []Filter, scorers []WeightedScorer) *Scheduler {
	s := &Scheduler{filters: filters, scorers: scorers, fullLimit: DefaultFullReport, topN: DefaultTopN, parallelism: runtime.GOMAXPROCS(0)}
	for _, f := range filters {
		if p, ok := f.(PreFilter); ok {
			s.prefilters = append(s.prefilters, p)
		}
	}
	s.lazy = make([]bool, len(scorers))
	for j, ws := range scorers {
		e, expensive := ws.Scorer.(Expensive)
		_, relative := ws.Scorer.(Normalizer)
		s.lazy[j] = expensive && e.Expensive() && !relative
	}
	return s
}

// Default is the scheduler with the built-in filters and scorers at their
// default weights, a neutral reputation and no latency figures.
func Default() *Scheduler {
	s, err := NewFromConfig(Config{}, nil, nil, nil)
	if err != nil {
		panic("sched: default config: " + err.Error()) // the zero Config is valid
	}
	return s
}

// Place picks the best offer for spec on behalf of an anonymous requester.
// See PlaceRequest.
func (s *Scheduler) Place(spec job.Spec, offers []offer.Offer) (Report, error) {
	return s.PlaceRequest(NewRequest(spec, ""), offers)
}

// rejection is one rejected offer, kept compact until the report is built.
type rejection struct {
	offer  int32
	filter int32
	code   Code
	reason string
}

// PlaceRequest picks the best offer for r. When none fits it returns a
// *NoFitError whose report says why for every node.
func (s *Scheduler) PlaceRequest(r *Request, offers []offer.Offer) (Report, error) {
	for _, p := range s.prefilters {
		if err := p.PreFilter(r); err != nil {
			return Report{Considered: len(offers)}, fmt.Errorf("pre-filter: %w", err)
		}
	}
	filters := s.active(r)
	var part pass
	if w := s.shards(len(offers)); w <= 1 {
		part = s.pass(r, filters, offers, 0)
	} else {
		part = s.parallelPass(r, filters, offers, w)
	}
	feasible, rejected, cols := part.feasible, part.rejected, part.cols
	total := s.normalize(r, cols, len(feasible))
	rep := Report{Considered: len(offers), Feasible: len(feasible), Weights: s.weights()}
	full := len(offers) <= s.fullLimit
	var order []int
	switch {
	case !s.anyLazy():
		order = s.rank(offers, feasible, total, full)
	case full || len(feasible) <= s.topN:
		for k := range feasible {
			s.scoreLazy(r, &offers[feasible[k]], k, cols, total)
		}
		order = s.rank(offers, feasible, total, full)
	default:
		order = s.rankLazy(r, offers, feasible, cols, total)
	}
	if len(order) > 0 {
		rep.Chosen = offers[feasible[order[0]]].Node
	}
	rep.Nodes = make([]NodeReport, 0, len(order))
	for _, k := range order {
		nr := NodeReport{Node: offers[feasible[k]].Node, Feasible: true, Score: total[k], Scores: make(map[string]float64, len(s.scorers))}
		for j, ws := range s.scorers {
			nr.Scores[ws.Scorer.Name()] = cols[j][k]
		}
		rep.Nodes = append(rep.Nodes, nr)
	}
	s.reportRejections(&rep, r, offers, rejected)
	if len(feasible) == 0 {
		return rep, &NoFitError{Report: rep}
	}
	return rep, nil
}

// pass is what one filter-and-score pass over a range of offers found.
type pass struct {
	feasible []int32
	rejected []rejection
	cols     [][]float64
}

// pass filters and scores offers, whose positions in the whole list start
// at base. Each offer is scored right after it passes the filters, while
// it is still in cache.
func (s *Scheduler) pass(r *Request, filters []int, offers []offer.Offer, base int) pass {
	p := pass{feasible: make([]int32, 0, len(offers)), cols: make([][]float64, len(s.scorers))}
	for j := range p.cols {
		if !s.lazy[j] {
			p.cols[j] = make([]float64, 0, len(offers))
		}
	}
offers:
	for i := range offers {
		o := &offers[i]
		for _, fi := range filters {
			if st := s.filters[fi].Filter(r, o); st.Code != Fits {
				p.rejected = append(p.rejected, rejection{int32(base + i), int32(fi), st.Code, st.Reason})
				continue offers
			}
		}
		p.feasible = append(p.feasible, int32(base+i))
		for j, ws := range s.scorers {
			if !s.lazy[j] {
				p.cols[j] = append(p.cols[j], ws.Scorer.Score(r, o))
			}
		}
	}
	return p
}

// minChunk is the fewest offers worth a goroutine of their own.
const minChunk = 8192

// shards is how many goroutines share a pass over n offers.
func (s *Scheduler) shards(n int) int {
	return min(s.parallelism, n/minChunk)
}

// parallelPass splits offers into w contiguous chunks, runs them at once
// (filters and scorers only read the request) and joins the results in
// offer order, so the outcome is the same as one pass.
func (s *Scheduler) parallelPass(r *Request, filters []int, offers []offer.Offer, w int) pass {
	parts := make([]pass, w)
	var wg sync.WaitGroup
	size := (len(offers) + w - 1) / w
	for k := range w {
		lo, hi := k*size, min((k+1)*size, len(offers))
		wg.Go(func() { parts[k] = s.pass(r, filters, offers[lo:hi], lo) })
	}
	wg.Wait()
	var out pass
	nf, nr := 0, 0
	for _, p := range parts {
		nf, nr = nf+len(p.feasible), nr+len(p.rejected)
	}
	out.feasible = make([]int32, 0, nf)
	out.rejected = make([]rejection, 0, nr)
	out.cols = make([][]float64, len(s.scorers))
	for j := range out.cols {
		out.cols[j] = make([]float64, 0, nf)
	}
	for _, p := range parts {
		out.feasible = append(out.feasible, p.feasible...)
		out.rejected = append(out.rejected, p.rejected...)
		for j := range out.cols {
			out.cols[j] = append(out.cols[j], p.cols[j]...)
		}
	}
	return out
}

// active lists the filters that apply to r (those not skipped).
func (s *Scheduler) active(r *Request) []int {
	out := make([]int, 0, len(s.filters))
	for i, f := range s.filters {
		if sk, ok := f.(Skipper); ok && sk.Skip(r) {
			continue
		}
		out = append(out, i)
	}
	return out
}

// normalize rescales the relative scorers' columns, clamps every score to
// 0..100 and returns the weighted totals.
func (s *Scheduler) normalize(r *Request, cols [][]float64, n int) []float64 {
	total := make([]float64, n)
	for j, ws := range s.scorers {
		if s.lazy[j] {
			cols[j] = make([]float64, n) // filled by scoreLazy
			continue
		}
		col := cols[j]
		if nz, ok := ws.Scorer.(Normalizer); ok {
			nz.Normalize(r, col)
		}
		for k := range col {
			col[k] = min(max(col[k], 0), 100)
			total[k] += ws.Weight * col[k]
		}
	}
	return total
}

// rank returns positions in feasible, best first (higher total, then lower
// node ID): all of them when all is set, else the top N.
func (s *Scheduler) rank(offers []offer.Offer, feasible []int32, total []float64, all bool) []int {
	better := func(a, b int) int {
		if total[a] != total[b] {
			return cmp.Compare(total[b], total[a])
		}
		return strings.Compare(offers[feasible[a]].Node, offers[feasible[b]].Node)
	}
	if all || len(feasible) <= s.topN {
		order := make([]int, len(feasible))
		for k := range order {
			order[k] = k
		}
		slices.SortFunc(order, better)
		return order
	}
	// Keep the best topN in a sorted array; most candidates lose to the
	// current last and cost one comparison.
	top := make([]int, 0, s.topN+1)
	for k := range feasible {
		if len(top) == s.topN && better(k, top[len(top)-1]) >= 0 {
			continue
		}
		at, _ := slices.BinarySearchFunc(top, k, better)
		top = slices.Insert(top, at, k)
		if len(top) > s.topN {
			top = top[:s.topN]
		}
	}
	return top
}

// weights lists the scorer weights for the report.
func (s *Scheduler) weights() map[string]float64 {
	w := make(map[string]float64, len(s.scorers))
	for _, ws := range s.scorers {
		w[ws.Scorer.Name()] = ws.Weight
	}
	return w
}
