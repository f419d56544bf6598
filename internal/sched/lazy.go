package sched

import (
	"container/heap"
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
	h := &boundHeap{partial: append([]float64(nil), total...), node: node, idx: make([]int, len(feasible))}
	for k := range h.idx {
		h.idx[k] = k
	}
	heap.Init(h)
	better := func(a, b int) bool {
		if total[a] != total[b] {
			return total[a] > total[b]
		}
		return node(a) < node(b)
	}
	top := make([]int, 0, s.topN+1)
	for h.Len() > 0 {
		k := heap.Pop(h).(int)
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

// boundHeap orders feasible positions by their cheap score, highest first
// (ties: lower node ID first).
type boundHeap struct {
	partial []float64
	node    func(int) string
	idx     []int
}

func (h *boundHeap) Len() int { return len(h.idx) }
func (h *boundHeap) Less(i, j int) bool {
	a, b := h.idx[i], h.idx[j]
	if h.partial[a] != h.partial[b] {
		return h.partial[a] > h.partial[b]
	}
	return strings.Compare(h.node(a), h.node(b)) < 0
}
func (h *boundHeap) Swap(i, j int) { h.idx[i], h.idx[j] = h.idx[j], h.idx[i] }
func (h *boundHeap) Push(x any)    { h.idx = append(h.idx, x.(int)) }
func (h *boundHeap) Pop() any {
	x := h.idx[len(h.idx)-1]
	h.idx = h.idx[:len(h.idx)-1]
	return x
}
