package sched

import (
	"strings"

	"github.com/deco-network/deco/internal/offer"
)

// anyLazy reports whether some scorer is run lazily.
func (s *Scheduler) anyLazy() bool {
	for _, l := range s.lazy {
		if l {
			return true
		}
	}
	return false
}

// scoreLazy runs the lazy scorers on the feasible offer at position k and
// adds their weighted scores to its total.
func (s *Scheduler) scoreLazy(r *Request, o *offer.Offer, k int, cols [][]float64, total []float64) {
	for j, ws := range s.scorers {
		if s.lazy[j] {
			v := min(max(ws.Scorer.Score(r, o), 0), 100)
			cols[j][k] = v
			total[k] += ws.Weight * v
		}
	}
}

// rankLazy returns the top N feasible positions, best first, running the
// lazy scorers only on offers whose cheap scores plus the most the lazy
// ones could add (slack) can still beat the current N-th best. Offers are
// taken in decreasing order of that bound, so the first one that cannot
// beat the N-th ends the search.
func (s *Scheduler) rankLazy(r *Request, offers []offer.Offer, feasible []int32, cols [][]float64, total []float64) []int {
	slack := 0.0
	for j, ws := range s.scorers {
		if s.lazy[j] {
			slack += 100 * ws.Weight
		}
	}
	node := func(k int) string { return offers[feasible[k]].Node }
	h := &boundHeap{partial: append([]float64(nil), total...), node: node, idx: make([]int32, len(feasible))}
	for k := range h.idx {
		h.idx[k] = int32(k)
	}
	h.init()
	better := func(a, b int) bool {
		if total[a] != total[b] {
			return total[a] > total[b]
		}
		return node(a) < node(b)
	}
	top := make([]int, 0, s.topN+1)
	for h.Len() > 0 {
		k := h.pop()
		if len(top) == s.topN && h.partial[k]+slack+1e-9 < total[top[len(top)-1]] {
			break
		}
		s.scoreLazy(r, &offers[feasible[k]], k, cols, total)
		if len(top) == s.topN && !better(k, top[len(top)-1]) {
			continue
		}
		at := len(top)
		for at > 0 && better(k, top[at-1]) {
			at--
		}
		top = append(top, 0)
		copy(top[at+1:], top[at:])
		top[at] = k
		if len(top) > s.topN {
			top = top[:s.topN]
		}
	}
	return top
}

// boundHeap is a max-heap of feasible positions by their cheap score
// (ties: lower node ID first), hand-rolled to pop without boxing.
type boundHeap struct {
	partial []float64
	node    func(int) string
	idx     []int32
}

func (h *boundHeap) Len() int { return len(h.idx) }

func (h *boundHeap) less(i, j int) bool {
	a, b := int(h.idx[i]), int(h.idx[j])
	if h.partial[a] != h.partial[b] {
		return h.partial[a] > h.partial[b]
	}
	return strings.Compare(h.node(a), h.node(b)) < 0
}

func (h *boundHeap) down(i int) {
	n := len(h.idx)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h.idx[i], h.idx[m] = h.idx[m], h.idx[i]
		i = m
	}
}

func (h *boundHeap) init() {
	for i := len(h.idx)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *boundHeap) pop() int {
	top := int(h.idx[0])
	last := len(h.idx) - 1
	h.idx[0] = h.idx[last]
	h.idx = h.idx[:last]
	h.down(0)
	return top
}
