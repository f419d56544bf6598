package sched

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/offer"
)

// GangReport says how a multi-task job's tasks were placed together: all
// of them or none.
type GangReport struct {
	Tasks int `json:"tasks"`
	// Slots names the node of each task, in task order; empty when no set
	// of nodes can hold them all now.
	Slots []string `json:"slots,omitempty"`
	// Sets are the candidate sets of nodes (one per group when the job
	// groups its tasks by region or GPU model, else one), best first, with
	// why each one not chosen was not.
	Sets []GangSet `json:"sets,omitempty"`
	// Wait is set when no set holds the tasks now but one could once busy
	// nodes free their capacity.
	Wait bool `json:"wait,omitempty"`
}

// GangSet is one candidate set of nodes for a gang.
type GangSet struct {
	// Group is the set's shared region and GPU model, when the job asks
	// for them ("region=eu gpu=A100"); empty for the set of all nodes.
	Group string `json:"group,omitempty"`
	// Nodes is how many feasible nodes are in the set; Capacity how many
	// of the job's tasks they can hold now, and Total with all their
	// capacity free.
	Nodes    int  `json:"nodes"`
	Capacity int  `json:"capacity"`
	Total    int  `json:"total"`
	Chosen   bool `json:"chosen,omitempty"`
	// Reason says why a set was not chosen.
	Reason string `json:"reason,omitempty"`
}

// PlaceGang places n tasks of r's job all or none: it filters and scores
// the offers as PlaceRequest does for one task, splits the feasible nodes
// into candidate sets by the job's group constraints, and fills the best
// set that can hold all n, one task per node first, best node first, then
// more tasks on nodes with room for them unless the job wants distinct
// providers. The report's Gang says which node runs each task, or, in a
// *NoFitError, why no set could.
func (s *Scheduler) PlaceGang(r *Request, offers []offer.Offer, n int) (Report, error) {
	wide := *s // every node that may take a task is ranked, not only the report's best
	wide.topN = max(s.topN, 2*n)
	rep, err := wide.PlaceRequest(r, offers)
	if err != nil && rep.Feasible == 0 {
		if nf, ok := err.(*NoFitError); ok {
			nf.Report.Gang = &GangReport{Tasks: n, Wait: nf.Report.CanWait()}
			return nf.Report, nf
		}
		return rep, err
	}
	g := r.Spec.Constraints.Group
	byNode := make(map[string]*offer.Offer, len(offers))
	for i := range offers {
		byNode[offers[i].Node] = &offers[i]
	}
	type set struct {
		GangSet
		members []string // feasible nodes, best first
		caps    []int
	}
	var sets []*set
	index := map[string]*set{}
	skipped := 0
	for _, nr := range rep.Nodes {
		if !nr.Feasible {
			continue
		}
		o := byNode[nr.Node]
		if g.MaxRTT > 0 && !s.within(nr.Node, g.MaxRTT) {
			skipped++
			continue
		}
		key := groupKey(r, o)
		st := index[key]
		if st == nil {
			st = &set{GangSet: GangSet{Group: key}}
			index[key] = st
			sets = append(sets, st)
		}
		c, total := capacity(r, o)
		st.members, st.caps = append(st.members, nr.Node), append(st.caps, c)
		st.Nodes++
		st.Capacity += c
		st.Total += total
	}
	// Nodes rejected only for being busy count towards what a set could
	// hold later.
	busy := func(node string) {
		if o := byNode[node]; o != nil && (g.MaxRTT == 0 || s.within(node, g.MaxRTT)) {
			if st := index[groupKey(r, o)]; st != nil {
				_, total := capacity(r, o)
				st.Total += total
			}
		}
	}
	for _, nr := range rep.Nodes {
		if !nr.Feasible && nr.Code == Unschedulable.String() {
			busy(nr.Node)
		}
	}
	for _, rg := range rep.Rejected {
		if rg.Code == Unschedulable.String() {
			for _, node := range rg.Nodes { // listed in compact reports only
				busy(node)
			}
		}
	}
	gang := &GangReport{Tasks: n}
	rep.Gang = gang
	for _, st := range sets {
		switch {
		case gang.Slots != nil:
			st.Reason = "a better set holds the tasks"
		case st.Capacity < n:
			st.Reason = fmt.Sprintf("holds %d of the %d tasks now", st.Capacity, n)
			gang.Wait = gang.Wait || st.Total >= n
		case g.MaxRTT > 0:
			ms, cs := nearGroup(st.members, st.caps, n, g.MaxRTT.Std(), byNode)
			if ms == nil {
				st.Reason = fmt.Sprintf("no nodes within maxRTT (%s) of each other hold the %d tasks (round-trip times between providers, as their offers state them)", g.MaxRTT, n)
				break
			}
			gang.Slots = fill(ms, cs, n)
			st.Chosen = true
		default:
			gang.Slots = fill(st.members, st.caps, n)
			st.Chosen = true
		}
		gang.Sets = append(gang.Sets, st.GangSet)
	}
	if gang.Slots != nil {
		rep.Chosen = gang.Slots[0]
		return rep, nil
	}
	rep.Chosen = ""
	if skipped > 0 {
		gang.Sets = append(gang.Sets, GangSet{Nodes: skipped,
			Reason: fmt.Sprintf("round-trip time unknown or above maxRTT (%s)", g.MaxRTT)})
	}
	// Busy nodes outside every feasible set may free up too.
	gang.Wait = gang.Wait || (len(sets) == 0 && rep.hasBusy())
	return rep, &NoFitError{Report: rep}
}

// nearGroup picks from a set's members (best first) nodes that are within limit
// of each other, as the round-trip times in their offers say, and hold n
// tasks together: greedily, best first, from each member in turn as the
// first one picked. It returns the picked members and their capacities in
// the set's order, or nil when no such group is found. A pair that neither
// node measured is not within the limit.
func nearGroup(members []string, caps []int, n int, limit time.Duration, byNode map[string]*offer.Offer) ([]string, []int) {
	m := len(members)
	nearby := make([][]bool, m)
	for i := range nearby {
		nearby[i] = make([]bool, m)
	}
	for i := range m {
		for j := i + 1; j < m; j++ {
			var d time.Duration
			known := false
			for _, pair := range [][2]string{{members[i], members[j]}, {members[j], members[i]}} {
				if o := byNode[pair[0]]; o != nil {
					if r, ok := o.RTT(pair[1]); ok {
						d, known = max(d, r), true
					}
				}
			}
			nearby[i][j] = known && d <= limit
			nearby[j][i] = nearby[i][j]
		}
	}
	for first := range m {
		picked := []int{first}
		held := caps[first]
		for i := 0; i < m && held < n; i++ {
			if i == first || caps[i] == 0 {
				continue
			}
			if !slices.ContainsFunc(picked, func(p int) bool { return !nearby[i][p] }) {
				picked = append(picked, i)
				held += caps[i]
			}
		}
		if held >= n {
			slices.Sort(picked)
			ms, cs := make([]string, len(picked)), make([]int, len(picked))
			for k, i := range picked {
				ms[k], cs[k] = members[i], caps[i]
			}
			return ms, cs
		}
	}
	return nil, nil
}

// within reports whether node's measured round-trip time is at most max.
func (s *Scheduler) within(node string, max job.Duration) bool {
	if s.rtt == nil {
		return false
	}
	d, ok := s.rtt.RTT(node)
	return ok && d <= max.Std()
}

// groupKey names the set o belongs to under the job's group constraints.
func groupKey(r *Request, o *offer.Offer) string {
	g := r.Spec.Constraints.Group
	var parts []string
	if g.SameRegion {
		parts = append(parts, "region="+o.Region)
	}
	if g.SameGPUModel {
		model := ""
		sel := r.Spec.Resources.GPU
		for _, gpu := range o.GPUs {
			if sel.Matches(gpu.Vendor, gpu.Model, gpu.VRAM) {
				model = gpu.Model
				break
			}
		}
		parts = append(parts, "gpu="+model)
	}
	return strings.Join(parts, " ")
}

// capacity is how many of r's tasks o holds with its free capacity now,
// and with all of it (one at most when the job wants distinct providers).
func capacity(r *Request, o *offer.Offer) (now, total int) {
	need := r.Spec.Resources
	fits := func(avail job.Resources, gpus int) int {
		n := int(^uint(0) >> 1)
		for _, d := range [][2]int64{{int64(need.CPU), int64(avail.CPU)}, {int64(need.Memory), int64(avail.Memory)},
			{int64(need.Disk), int64(avail.Disk)}, {int64(need.GPUs), int64(gpus)}} {
			if d[0] > 0 {
				n = min(n, int(d[1]/d[0]))
			}
		}
		for name, want := range need.Custom {
			if want > 0 {
				n = min(n, int(avail.Custom[name]/want))
			}
		}
		if r.Spec.Constraints.Group.DistinctProviders {
			n = min(n, 1)
		}
		return min(n, r.Spec.TaskCount())
	}
	matching := 0
	for _, gpu := range o.GPUs {
		if need.GPU.Matches(gpu.Vendor, gpu.Model, gpu.VRAM) {
			matching++
		}
	}
	return fits(o.Free, matching), fits(o.Total, max(o.Total.GPUs, matching))
}

// fill assigns n tasks to members (best first, caps[i] tasks at most on
// member i): one each in order, then more on each in order.
func fill(members []string, caps []int, n int) []string {
	slots := make([]string, 0, n)
	used := make([]int, len(members))
	for round := 1; len(slots) < n; round++ {
		for i, m := range members {
			if len(slots) == n {
				break
			}
			if used[i] < caps[i] && used[i] < round {
				used[i]++
				slots = append(slots, m)
			}
		}
	}
	// Tasks of one node next to each other: task i's neighbours are most
	// often on its own machine.
	order := make(map[string]int, len(members))
	for i, m := range members {
		order[m] = i
	}
	slices.SortStableFunc(slots, func(a, b string) int { return order[a] - order[b] })
	return slots
}

// hasBusy reports whether some node was rejected only for lack of free
// capacity now.
func (r Report) hasBusy() bool {
	busy := Unschedulable.String()
	for _, g := range r.Rejected {
		if g.Code == busy && g.Count > 0 {
			return true
		}
	}
	return false
}
