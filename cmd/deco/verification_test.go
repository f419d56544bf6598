package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/requester"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/verify"
)

// TestDescribeVerificationWithheld: deco job describe's verification
// section shows what each run was paid and, for the run that lost, the
// final interval withheld from it.
func TestDescribeVerificationWithheld(t *testing.T) {
	v := requester.Verification{Policy: "replicate(2)", Outcome: "disputed", Quorum: 2, Runs: []requester.VerifiedRun{
		{Role: "provider", Node: "cheat", ExecutionID: "e1", Digest: "sha256:bad", Paid: 0, Withheld: money.Amount(188)},
		{Role: "validator", Node: "honest", ExecutionID: "e2", Digest: "sha256:good", Paid: money.Amount(366)},
	}}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	describeVerification(&out, "Verification", raw)
	lines := strings.Split(out.String(), "\n")
	find := func(node string) string {
		for _, l := range lines {
			if strings.Contains(l, node) {
				return l
			}
		}
		t.Fatalf("no line for %s in:\n%s", node, out.String())
		return ""
	}
	if !strings.Contains(out.String(), "WITHHELD") {
		t.Fatalf("no WITHHELD column:\n%s", out.String())
	}
	if l := find("cheat"); !strings.HasSuffix(strings.TrimSpace(l), money.Amount(188).String()) {
		t.Fatalf("the loser's line %q does not end with its withheld %s", l, money.Amount(188))
	}
	if l := find("honest"); !strings.HasSuffix(strings.TrimSpace(l), "-") {
		t.Fatalf("the validator's line %q: want nothing withheld", l)
	}
}

// TestDescribeTaskVerifications: a verified multi-task job's describe
// shows each task's runners, what each committed and revealed, how its
// validators were chosen (asked, ranked by seed, left out and why), and
// what the validators of all tasks cost.
func TestDescribeTaskVerifications(t *testing.T) {
	task := func(i int, cost money.Amount, node string) api.TaskDetail {
		sel := []sched.ValidatorReport{{Wanted: 1, Considered: 3, Ranked: []string{node, "other"}, Chosen: []string{node},
			LeftOut: []sched.ValidatorOut{{Node: "prov", Reason: sched.OutProvider}, {Node: "poor", Reason: sched.OutNotStaked}}}}
		v := requester.Verification{Policy: "replicate(1)", Task: i, Outcome: "accepted", Cost: cost, Selection: sel, Runs: []requester.VerifiedRun{
			{Role: "provider", Node: "prov", ExecutionID: "e", Digest: "sha256:aa", Commitment: &verify.Commitment{Hash: [32]byte{0xab, 0xcd}}},
			{Role: "validator", Node: node, ExecutionID: "f", Digest: "sha256:aa", Paid: cost},
		}}
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return api.TaskDetail{Job: store.Job{TaskIndex: i}, Verification: raw}
	}
	var out bytes.Buffer
	describeTaskVerifications(&out, []api.TaskDetail{task(0, 3, "val-a"), task(1, 4, "val-b")})
	s := out.String()
	for _, want := range []string{"Task 0 verification: replicate(1), outcome accepted", "Task 1 verification", "val-a", "val-b",
		"0xabcd", "COMMITTED", "Verification cost of the 2 tasks: " + money.Amount(7).String(),
		"validators: 1 wanted of 3 validator offers; asked val-a (by seed: val-a other)",
		"validators: 1 wanted of 3 validator offers; asked val-b (by seed: val-b other)",
		"left out prov: the task's provider", "left out poor: not staked"} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q in:\n%s", want, s)
		}
	}
}
