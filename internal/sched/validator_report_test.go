package sched

import (
	"slices"
	"testing"
)

// TestValidatorReportLeavesOutRejected: every node a placement rejected
// is left out of a validator round with its filter and reason, once,
// whether the report lists it in full or by group; feasible nodes are
// not left out.
func TestValidatorReportLeavesOutRejected(t *testing.T) {
	rep := Report{
		Nodes: []NodeReport{
			{Node: "fits", Feasible: true},
			{Node: "small", Filter: "resources", Code: "can never fit", Reason: "cpu: needs 2 cores, 1 cores total"},
		},
		Rejected: []RejectionGroup{
			{Filter: "resources", Code: "can never fit", Reason: "cpu", Count: 2, Nodes: []string{"small", "tiny"}},
		},
	}
	var v ValidatorReport
	v.LeaveOutRejected(rep)
	want := []ValidatorOut{
		{Node: "small", Reason: "rejected by resources (can never fit): cpu: needs 2 cores, 1 cores total"},
		{Node: "tiny", Reason: "rejected by resources (can never fit): cpu"},
	}
	if !slices.Equal(v.LeftOut, want) {
		t.Fatalf("left out %+v, want %+v", v.LeftOut, want)
	}
}
