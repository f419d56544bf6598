package sched

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/deco-network/deco/internal/offer"
)

// NodeReport is what happened to one node during placement.
type NodeReport struct {
	Node     string `json:"node"`
	Feasible bool   `json:"feasible"`
	// Filter, Code and Reason say which filter rejected the node and why,
	// with the node's figures.
	Filter string `json:"filter,omitempty"`
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Scores are each scorer's score (0..100) of a feasible node; Score is
	// their weighted sum.
	Scores map[string]float64 `json:"scores,omitempty"`
	Score  float64            `json:"score,omitempty"`
}

// RejectionGroup counts the nodes one filter rejected for one reason.
type RejectionGroup struct {
	Filter string `json:"filter"`
	Code   string `json:"code"`
	Reason string `json:"reason"`
	Count  int    `json:"count"`
	// Nodes lists the rejected nodes in a compact report (in a full
	// report each has its own entry in Report.Nodes instead).
	Nodes []string `json:"nodes,omitempty"`
}

// Report is the placement report of one job.
type Report struct {
	Considered int    `json:"considered"`
	Feasible   int    `json:"feasible"`
	Chosen     string `json:"chosen,omitempty"`
	// Compact is set for large catalogs: Nodes then holds only the best
	// feasible nodes, and every rejected node is named in Rejected.
	Compact bool `json:"compact,omitempty"`
	// Nodes are the nodes reported in full, feasible ones first, best first.
	Nodes []NodeReport `json:"nodes"`
	// Rejected counts rejections by filter and reason, most common first.
	Rejected []RejectionGroup `json:"rejected,omitempty"`
	// Weights are the scorer weights the scores were summed with.
	Weights map[string]float64 `json:"weights,omitempty"`
	// Gang is the placement of a multi-task job's tasks (PlaceGang).
	Gang *GangReport `json:"gang,omitempty"`
}

// CanWait reports whether a placement that found no feasible node may
// succeed later: some node was rejected as Unschedulable (busy: not enough
// free capacity now), or no offers were known at all. It reads Rejected,
// which counts every rejection in full and compact reports alike (a
// compact report leaves rejected nodes out of Nodes).
func (r Report) CanWait() bool {
	if r.Gang != nil {
		return r.Gang.Wait
	}
	return r.hasBusy() || r.Considered == 0
}

// ErrNoFit is returned (wrapped in *NoFitError) when no node can take the job.
var ErrNoFit = errors.New("no provider can run this job")

// NoFitError carries the report of a failed placement.
type NoFitError struct{ Report Report }

// maxErrorLines bounds the per-node lines in a NoFitError message.
const maxErrorLines = 50

func (e *NoFitError) Error() string {
	var b strings.Builder
	if e.Report.Considered == 0 {
		return ErrNoFit.Error() + ": no offers known yet (are providers running and connected?)"
	}
	if g := e.Report.Gang; g != nil && e.Report.Feasible > 0 {
		fmt.Fprintf(&b, "%s: no set of providers can hold its %d tasks (%d of %d offers feasible for one task)",
			ErrNoFit, g.Tasks, e.Report.Feasible, e.Report.Considered)
		for _, st := range g.Sets {
			name := st.Group
			if name == "" {
				name = "all feasible providers"
			}
			fmt.Fprintf(&b, "\n  %s (%d nodes): %s", name, st.Nodes, st.Reason)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "%s: %d offers considered", ErrNoFit, e.Report.Considered)
	if !e.Report.Compact && len(e.Report.Nodes) <= maxErrorLines {
		for _, n := range e.Report.Nodes {
			fmt.Fprintf(&b, "\n  %s: %s", n.Node, n.Reason)
		}
		return b.String()
	}
	for _, g := range e.Report.Rejected {
		fmt.Fprintf(&b, "\n  %d nodes: %s (%s): %s", g.Count, g.Filter, g.Code, g.Reason)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrNoFit) hold.
func (e *NoFitError) Unwrap() error { return ErrNoFit }

// reportRejections adds the rejected nodes to rep: each in full, with the
// rejecting filter re-run to explain the node's figures, for a small
// catalog; by group with their node IDs for a large one.
func (s *Scheduler) reportRejections(rep *Report, r *Request, offers []offer.Offer, rejected []rejection) {
	type key struct {
		filter int32
		code   Code
		reason string
	}
	var keys []key
	var counts []int
	of := make([]int32, len(rejected)) // group of each rejection
	last := -1
	for i, x := range rejected {
		k := key{x.filter, x.code, x.reason}
		if last < 0 || keys[last] != k {
			last = slices.Index(keys, k)
			if last < 0 {
				keys, counts = append(keys, k), append(counts, 0)
				last = len(keys) - 1
			}
		}
		counts[last]++
		of[i] = int32(last)
	}
	rep.Compact = len(offers) > s.fullLimit
	groups := make([]RejectionGroup, len(keys))
	for g, k := range keys {
		groups[g] = RejectionGroup{Filter: s.filters[k.filter].Name(), Code: k.code.String(), Reason: k.reason, Count: counts[g]}
		if rep.Compact {
			groups[g].Nodes = make([]string, 0, counts[g])
		}
	}
	if rep.Compact {
		for i, x := range rejected {
			g := &groups[of[i]]
			g.Nodes = append(g.Nodes, offers[x.offer].Node)
		}
	} else {
		explain := *r
		explain.Explain = true
		for _, x := range rejected {
			o := &offers[x.offer]
			f := s.filters[x.filter]
			reason := x.reason
			if st := f.Filter(&explain, o); st.Detail != "" {
				reason = st.Detail
			}
			rep.Nodes = append(rep.Nodes, NodeReport{Node: o.Node, Filter: f.Name(), Code: x.code.String(), Reason: reason})
		}
		slices.SortStableFunc(rep.Nodes[rep.Feasible:], func(a, b NodeReport) int { return strings.Compare(a.Node, b.Node) })
	}
	// Most common first; ties in a fixed order, whatever the offers' order.
	slices.SortStableFunc(groups, func(a, b RejectionGroup) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if c := strings.Compare(a.Filter, b.Filter); c != 0 {
			return c
		}
		return strings.Compare(a.Reason, b.Reason)
	})
	rep.Rejected = groups
}

// ValidatorReport is the placement report of one round of a verified
// task's validators: the requester ranks them by the task's seed among
// the validator offers, not by score, so PlaceRequest's report alone does
// not say who was asked or why the others were not. Considered counts the
// offers that opted in to validating; Ranked are those that may validate,
// in the seed's order; Chosen the first Wanted of them (or fewer, when
// short) asked in this round; LeftOut every other offer with why.
type ValidatorReport struct {
	Wanted     int            `json:"wanted"`
	Considered int            `json:"considered"`
	Ranked     []string       `json:"ranked,omitempty"`
	Chosen     []string       `json:"chosen,omitempty"`
	LeftOut    []ValidatorOut `json:"leftOut,omitempty"`
}

// ValidatorOut is one offer a validator round left out, and why.
type ValidatorOut struct {
	Node   string `json:"node"`
	Reason string `json:"reason"`
}

// Reasons a validator round leaves a node out, besides the placement
// filters' (LeaveOutRejected).
const (
	OutProvider     = "the task's provider"
	OutRequester    = "the requester"
	OutAsked        = "asked already"
	OutNotEscrow    = "not one of the escrow's validators"
	OutNotStaked    = "not staked"
	OutSameOwner    = "same operator as "
	OutStakeUnknown = "stake unknown: "
)

// LeaveOut records node as left out for reason.
func (v *ValidatorReport) LeaveOut(node, reason string) {
	v.LeftOut = append(v.LeftOut, ValidatorOut{Node: node, Reason: reason})
}

// LeaveOutRejected records every node rep's filters rejected (no capacity
// for the task, wrong executor, ...), with the filter and its reason, from
// a full or a compact report alike.
func (v *ValidatorReport) LeaveOutRejected(rep Report) {
	listed := map[string]bool{}
	for _, n := range rep.Nodes {
		if !n.Feasible {
			listed[n.Node] = true
			v.LeaveOut(n.Node, fmt.Sprintf("rejected by %s (%s): %s", n.Filter, n.Code, n.Reason))
		}
	}
	for _, g := range rep.Rejected {
		for _, n := range g.Nodes {
			if !listed[n] {
				v.LeaveOut(n, fmt.Sprintf("rejected by %s (%s): %s", g.Filter, g.Code, g.Reason))
			}
		}
	}
}
