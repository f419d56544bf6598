package devnet_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/devnet"
	executor "github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/requester"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/verify"
)

// arraySpec is verifiedSpec as a two-task array job (tasks without
// links) under policy, each task small enough that both tasks and their
// validators fit on the devnet's one-core providers.
func arraySpec(t *testing.T, policy string) job.Spec {
	s := verifiedSpec(t, policy)
	s.Tasks = 2
	s.Resources = job.Resources{CPU: 200, Memory: 128 << 20, Disk: 64 << 20}
	return s
}

// taskVerifications runs spec, an array job, to its end and returns its
// detail and each task's verification record, in task order.
func taskVerifications(t *testing.T, c *client.Client, spec job.Spec) (api.JobDetail, []requester.Verification) {
	t.Helper()
	j, err := c.Submit(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	// Six runs (two tasks, each with two validators) on one-core
	// providers of a shared machine: more than waitDone's minute.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if err := c.Logs(ctx, j.ID, true, io.Discard); err != nil {
		t.Fatalf("follow logs: %v", err)
	}
	d, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range d.Events {
		t.Logf("event %s: %s", e.State, e.Message)
	}
	if len(d.Tasks) != spec.Tasks {
		t.Fatalf("job %s has %d tasks in its detail, want %d", d.ID, len(d.Tasks), spec.Tasks)
	}
	vs := make([]requester.Verification, len(d.Tasks))
	for i, tk := range d.Tasks {
		if tk.TaskIndex != i {
			t.Fatalf("task %d of the detail is task %d", i, tk.TaskIndex)
		}
		if err := json.Unmarshal(tk.Verification, &vs[i]); err != nil {
			t.Fatalf("task %d has no verification record (%s): %v", i, tk.Verification, err)
		}
		for _, e := range tk.Events {
			t.Logf("task %d event %s: %s", i, e.State, e.Message)
		}
	}
	return d, vs
}

// checkTaskRuns checks what every array job's task verification must
// show: the task's own index, its runs committed under the task's
// verification ID (JOB/task-I) by their own runners, the task's provider
// among them and never the requester, and its validator runs in the
// job's detail under the task's index.
func checkTaskRuns(t *testing.T, net *devnet.Net, d api.JobDetail, i int, v requester.Verification, wantRuns int) {
	t.Helper()
	tk := d.Tasks[i]
	id := verify.TaskID(d.ID, i, len(d.Tasks))
	if id != d.ID+"/task-"+string(rune('0'+i)) {
		t.Fatalf("task %d's verification ID %q", i, id)
	}
	if v.Task != i || v.Policy != "replicate(2)" || !v.Sampled || len(v.Runs) != wantRuns {
		t.Fatalf("task %d: record of task %d, policy %q, sampled %v, %d runs; want its own, replicate(2), %d runs: %+v",
			i, v.Task, v.Policy, v.Sampled, len(v.Runs), wantRuns, v.Runs)
	}
	// Its validator runs: those that ran are in the record; one that
	// never ran (its quote expired on a loaded machine, say) is not, and
	// another validator took its place.
	validators := 0
	counted := map[string]bool{}
	for _, run := range v.Runs {
		counted[run.ExecutionID] = true
	}
	for _, vr := range d.Validators {
		if vr.TaskIndex != i {
			continue
		}
		if vr.Role != store.RoleValidator || vr.Provider == tk.Provider {
			t.Fatalf("task %d's validator run %s on %s (role %q): want a validator other than the task's provider %s",
				i, vr.ID, vr.Provider, vr.Role, tk.Provider)
		}
		if vr.State == job.StateCompleted {
			validators++
			if !counted[vr.ExecutionID] {
				t.Fatalf("task %d's validator run %s on %s completed and is not in the task's record", i, vr.ID, vr.Provider)
			}
			continue
		}
		t.Logf("task %d's validator run on %s: %s (%s)", i, vr.Provider, vr.State, vr.Error)
		if counted[vr.ExecutionID] {
			t.Fatalf("task %d's validator run %s ended %s and counted", i, vr.ID, vr.State)
		}
	}
	if validators != wantRuns-1 {
		t.Fatalf("task %d: %d validator runs completed, want %d", i, validators, wantRuns-1)
	}
	// How the task's validators were chosen: of the four validator
	// offers, the task's provider left out as such, the others ranked by
	// the task's seed, the first two asked (and the next, in this round,
	// for one that could not be started).
	if len(v.Selection) == 0 {
		t.Fatalf("task %d: no validator selection in its record", i)
	}
	sel := v.Selection[0]
	if sel.Wanted != 2 || sel.Considered != 4 || len(sel.Chosen) < 2 || len(sel.Ranked) < len(sel.Chosen) || len(v.Asked) < len(sel.Chosen) ||
		!slices.Equal(sel.Chosen, sel.Ranked[:len(sel.Chosen)]) || !slices.Equal(sel.Chosen, v.Asked[:len(sel.Chosen)]) ||
		len(sel.Ranked)+len(sel.LeftOut) != sel.Considered ||
		!slices.Contains(sel.LeftOut, sched.ValidatorOut{Node: tk.Provider, Reason: sched.OutProvider}) || slices.Contains(sel.Ranked, tk.Provider) {
		t.Fatalf("task %d's validator selection %+v (asked %v): want 2 of 4 asked in the seed's order, its provider %s left out as such",
			i, sel, v.Asked, tk.Provider)
	}
	providers := 0
	for _, run := range v.Runs {
		if run.Commitment == nil || run.Receipt == nil {
			t.Fatalf("task %d run on %s: no commitment or receipt", i, run.Node)
		}
		if run.Commitment.JobID != id || run.Receipt.JobID != id || run.Commitment.Runner != run.Address || run.Receipt.Check() != nil {
			t.Fatalf("task %d run on %s: commitment for %q by %s, receipt for %q; want both for %q, its own",
				i, run.Node, run.Commitment.JobID, run.Commitment.Runner, run.Receipt.JobID, id)
		}
		if run.Node == net.Nodes[0].PeerID() {
			t.Fatalf("task %d ran on the requester", i)
		}
		if run.Role == "provider" {
			providers++
			if run.Node != tk.Provider || run.ExecutionID != tk.ExecutionID {
				t.Fatalf("task %d's provider run on %s (%s); the task ran on %s (%s)", i, run.Node, run.ExecutionID, tk.Provider, tk.ExecutionID)
			}
		}
	}
	if providers != 1 {
		t.Fatalf("task %d: %d provider runs, want 1", i, providers)
	}
}

// TestArrayJobVerifiedTaskByTask: an honest two-task array job under
// replicate(2) is verified task by task: each task has its own
// validators, commitments named JOB/task-I and an accepted outcome; no
// stake is slashed, and every runner of every task is paid all it
// reported, its final interval held until its task was decided.
func TestArrayJobVerifiedTaskByTask(t *testing.T) {
	net, c := verifyNetWith(t, devnet.Config{})
	d, vs := taskVerifications(t, c, arraySpec(t, "replicate(2)"))
	if d.State != job.StateCompleted {
		t.Fatalf("job %s (%s); want completed", d.State, d.Error)
	}
	if len(d.Verification) != 0 {
		t.Fatalf("the array job itself has a verification record (%s); each task should have its own", d.Verification)
	}
	executions := map[string]bool{}
	var cost money.Amount
	for i, v := range vs {
		tk := d.Tasks[i]
		if tk.State != job.StateCompleted || v.Outcome != "accepted" || v.Digest != tk.ResultDigest || len(v.Verdicts) != 0 {
			t.Fatalf("task %d %s (%s), outcome %q, digest %s (task's %s), verdicts %+v; want completed and accepted",
				i, tk.State, tk.Error, v.Outcome, v.Digest, tk.ResultDigest, v.Verdicts)
		}
		checkTaskRuns(t, net, d, i, v, 3)
		var paid money.Amount
		for _, vr := range d.Validators {
			if vr.TaskIndex != i {
				continue
			}
			if n := len(vr.Usage); n > 0 {
				paid += vr.Usage[n-1].Report.AmountDue
			}
		}
		if v.Cost != paid || v.Cost <= 0 {
			t.Fatalf("task %d's verification cost %s, its validators' runs were owed %s", i, v.Cost, paid)
		}
		cost += v.Cost
		for _, run := range v.Runs {
			if run.Digest != tk.ResultDigest || run.Invalid != "" {
				t.Fatalf("task %d run on %s revealed %s (%s); want the task's %s", i, run.Node, run.Digest, run.Invalid, tk.ResultDigest)
			}
			if executions[run.ExecutionID] {
				t.Fatalf("execution %s counted for two tasks", run.ExecutionID)
			}
			executions[run.ExecutionID] = true
			// The run's final interval was held for its task's
			// verification, then released: the run is paid what it
			// reported.
			h, err := net.Nodes[0].Store().GetHold(context.Background(), store.RoleRequester, run.ExecutionID)
			if err != nil || h.Amount <= 0 || h.State != store.HoldReleased || h.JobID != tk.ID || run.Withheld != 0 || run.Paid <= 0 {
				t.Fatalf("task %d %s %s: hold %+v (%v), record paid %s withheld %s; want a positive hold of the task's row %s, released",
					i, run.Role, run.Node, h, err, run.Paid, run.Withheld, tk.ID)
			}
		}
	}
	t.Logf("validators of both tasks cost %s", cost)
	// Each runner's channel as a whole: a node may have run for both
	// tasks, and is paid in full for all it reported.
	for _, v := range vs {
		for _, run := range v.Runs {
			ch := runnerChannelOf(t, net, run)
			if ch.latest != ch.reported || ch.signed != ch.reported {
				t.Fatalf("%s %s: reported %s, holds a voucher for %s, the requester signed %s; want all paid",
					run.Role, run.Node, ch.reported, ch.latest, ch.signed)
			}
		}
	}
	for i := 1; i < 5; i++ {
		st, err := net.Nodes[0].Settlement().StakeOf(context.Background(), net.Nodes[i].Address())
		if err != nil || st.Amount != net.Stake() {
			t.Fatalf("node %d stake %s, %v; want %s (nothing slashed)", i, st.Amount, err, net.Stake())
		}
	}
	out := outputs(t, c, d.ID)
	for i := range 2 {
		if got := readFile(t, filepath.Join(out, "task-"+string(rune('0'+i)), "answer.txt")); got != "42" {
			t.Fatalf("task %d's answer.txt = %q", i, got)
		}
	}
}

// taskTamper wraps providers' executors so that the provider run of one
// task of an array job returns a forged output: it corrupts the execution
// that node 0 (the requester) sent as that task's row, whichever node
// took it, and never a validator's run of the same task (which has the
// same job ID and task index, but an execution of its own row).
type taskTamper struct {
	net  *devnet.Net
	task int

	mu      sync.Mutex
	forging map[string]string // execution ID: its outputs directory
	// forged are the executions that returned the forged output, each
	// with its node's index (a task whose attempt was lost is tampered
	// with again where it is placed next).
	forged map[string]int
}

func (tt *taskTamper) wrap(i int) func(executor.Executor) executor.Executor {
	return func(ex executor.Executor) executor.Executor { return &tamperingExecutor{Executor: ex, tt: tt, node: i} }
}

// isTarget reports whether execution e of job jobID is the provider run
// of the tampered task, by node 0's task rows.
func (tt *taskTamper) isTarget(jobID string, task int, e string) bool {
	if task != tt.task {
		return false
	}
	rows, err := tt.net.Nodes[0].Store().Tasks(context.Background(), jobID)
	if err != nil {
		return false
	}
	for _, r := range rows {
		if r.TaskIndex == task && r.ExecutionID == e {
			return true
		}
	}
	return false
}

type tamperingExecutor struct {
	executor.Executor
	tt   *taskTamper
	node int
}

func (x *tamperingExecutor) Start(ctx context.Context, t executor.Task) error {
	if x.tt.isTarget(t.JobID, t.TaskIndex, t.ExecutionID) {
		x.tt.mu.Lock()
		x.tt.forging[t.ExecutionID] = t.OutputsDir
		x.tt.mu.Unlock()
	}
	return x.Executor.Start(ctx, t)
}

// Wait writes the forged output once the tampered execution ended, before
// the provider digests its outputs.
func (x *tamperingExecutor) Wait(ctx context.Context, id string) (executor.Result, error) {
	res, err := x.Executor.Wait(ctx, id)
	x.tt.mu.Lock()
	dir, ok := x.tt.forging[id]
	if ok {
		x.tt.forged[id] = x.node
	}
	x.tt.mu.Unlock()
	if ok && err == nil {
		if werr := os.WriteFile(filepath.Join(dir, "forged.txt"), []byte("not what the task computed"), 0o644); werr != nil {
			return res, werr
		}
	}
	return res, err
}

// TestArrayJobOneTaskCheats: task 1's provider forges task 1's output
// (and only task 1's). Task 1's dispute is decided by a quorum and its
// provider slashed to the requester, once, by a verdict on JOB/task-1;
// task 0 is accepted, its runners never accused and its provider paid
// for it in full; task 1's provider has its final interval of task 1
// withheld only.
func TestArrayJobOneTaskCheats(t *testing.T) {
	ctx := context.Background()
	tt := &taskTamper{task: 1, forging: map[string]string{}, forged: map[string]int{}}
	wraps := map[int]func(executor.Executor) executor.Executor{}
	for i := 1; i < 5; i++ {
		wraps[i] = tt.wrap(i)
	}
	net, c := verifyNetWith(t, devnet.Config{WrapExecutors: wraps})
	tt.net = net
	d, vs := taskVerifications(t, c, arraySpec(t, "replicate(2)"))
	tt.mu.Lock()
	forged := maps.Clone(tt.forged)
	tt.mu.Unlock()
	// The forged run is task 1's own, on its provider; only an attempt
	// of task 1 lost before it (none on a quiet machine) forged as well.
	cheat, ok := forged[d.Tasks[1].ExecutionID]
	if !ok {
		t.Fatalf("task 1's execution %s did not forge its output (forged: %v): the test tested nothing", d.Tasks[1].ExecutionID, forged)
	}
	if len(forged) > len(d.Tasks[1].Attempts) {
		t.Fatalf("%d executions forged (%v), task 1 had %d attempts: want its attempts alone", len(forged), forged, len(d.Tasks[1].Attempts))
	}
	cheatNode := net.Nodes[cheat]
	if d.Tasks[1].Provider != cheatNode.PeerID() {
		t.Fatalf("node %d forged task 1, whose provider is %s", cheat, d.Tasks[1].Provider)
	}
	if d.State != job.StateCompleted || d.Tasks[0].State != job.StateCompleted || d.Tasks[1].State != job.StateCompleted {
		t.Fatalf("job %s (%s), tasks %s and %s; want all completed", d.State, d.Error, d.Tasks[0].State, d.Tasks[1].State)
	}
	v0, v1 := vs[0], vs[1]
	checkTaskRuns(t, net, d, 0, v0, 3)
	checkTaskRuns(t, net, d, 1, v1, 3)

	// Task 0: accepted, nobody accused, every runner paid in full.
	if v0.Outcome != "accepted" || len(v0.Verdicts) != 0 || !v0.MismatchAt.IsZero() {
		t.Fatalf("task 0: outcome %q, verdicts %+v, mismatch at %v; want accepted with no dispute", v0.Outcome, v0.Verdicts, v0.MismatchAt)
	}
	for _, run := range v0.Runs {
		h, err := net.Nodes[0].Store().GetHold(ctx, store.RoleRequester, run.ExecutionID)
		if run.Invalid != "" || run.Digest != d.Tasks[0].ResultDigest || err != nil || h.State != store.HoldReleased || h.Amount <= 0 || run.Withheld != 0 {
			t.Fatalf("task 0 %s %s: revealed %s (%s), hold %+v (%v), withheld %s; want the task's digest, paid in full",
				run.Role, run.Node, run.Digest, run.Invalid, h, err, run.Withheld)
		}
	}

	// Task 1: disputed, decided by a quorum against its provider alone,
	// the verdict on JOB/task-1.
	if v1.Outcome != "disputed" || len(v1.Verdicts) != 1 {
		t.Fatalf("task 1: outcome %q, verdicts %+v; want one verdict after a dispute", v1.Outcome, v1.Verdicts)
	}
	vd := v1.Verdicts[0]
	want := verify.DisputeID(d.ID+"/task-1", cheatNode.Address())
	if vd.Accused != cheatNode.PeerID() || vd.Tx == "" || vd.Error != "" || len(vd.Signers) < net.Validators.Quorum ||
		vd.DisputeID != "0x"+hex.EncodeToString(want[:]) || vd.Amount <= 0 {
		t.Fatalf("task 1's verdict %+v: want node %d slashed by a quorum of %d under the dispute of %s/task-1", vd, cheat, net.Validators.Quorum, d.ID)
	}
	for _, s := range vd.Signers {
		if s == cheatNode.Address() {
			t.Fatal("the accused signed its own verdict")
		}
	}
	if d.Tasks[1].ResultDigest != v1.Digest || v1.Digest == "" {
		t.Fatalf("task 1's result %s, the quorum's %s", d.Tasks[1].ResultDigest, v1.Digest)
	}
	for _, run := range v1.Runs {
		h, err := net.Nodes[0].Store().GetHold(ctx, store.RoleRequester, run.ExecutionID)
		if err != nil || h.Amount <= 0 {
			t.Fatalf("task 1 %s %s: hold %+v (%v)", run.Role, run.Node, h, err)
		}
		if run.Role == "provider" {
			if run.Digest == v1.Digest || h.State != store.HoldWithheld || run.Withheld != h.Amount {
				t.Fatalf("task 1's cheat revealed %s (the quorum %s), hold %+v, withheld %s; want its final interval withheld",
					run.Digest, v1.Digest, h, run.Withheld)
			}
			continue
		}
		if run.Digest != v1.Digest || h.State != store.HoldReleased || run.Withheld != 0 {
			t.Fatalf("task 1 validator %s revealed %s, hold %s, withheld %s; want the quorum's result, paid in full", run.Node, run.Digest, h.State, run.Withheld)
		}
	}

	// On chain: the cheat lost exactly the verdict's amount, to the
	// requester; nobody else lost anything.
	s := net.Nodes[0].Settlement()
	for i := 1; i < 5; i++ {
		st, err := s.StakeOf(ctx, net.Nodes[i].Address())
		wantStake := net.Stake()
		if i == cheat {
			wantStake -= vd.Amount
		}
		if err != nil || st.Amount != wantStake {
			t.Fatalf("node %d stake %s, %v; want %s", i, st.Amount, err, wantStake)
		}
	}
	// Every runner's channel: all it reported is paid, less the cheat's
	// final interval of task 1 (where the cheat also ran task 0, that
	// task's part is paid in full).
	held := map[string]money.Amount{}
	for _, run := range v1.Runs {
		if run.Role == "provider" {
			held[run.Node] = run.Withheld
		}
	}
	for _, v := range vs {
		for _, run := range v.Runs {
			ch := runnerChannelOf(t, net, run)
			t.Logf("task %d %s %s: reported %s, voucher %s, signed %s", v.Task, run.Role, run.Node, ch.reported, ch.latest, ch.signed)
			if ch.latest != ch.reported-held[run.Node] || ch.signed != ch.latest {
				t.Fatalf("task %d %s %s: reported %s, holds a voucher for %s (signed %s); want all but %s paid",
					v.Task, run.Role, run.Node, ch.reported, ch.latest, ch.signed, held[run.Node])
			}
		}
	}
	// The accepted result is task 0's and the quorum's for task 1, never
	// the forged output.
	out := outputs(t, c, d.ID)
	for i := range 2 {
		dir := filepath.Join(out, "task-"+string(rune('0'+i)))
		if _, err := os.Stat(filepath.Join(dir, "forged.txt")); err == nil {
			t.Fatalf("task %d's forged output was accepted", i)
		}
		if got := readFile(t, filepath.Join(dir, "answer.txt")); got != "42" {
			t.Fatalf("task %d's answer.txt = %q", i, got)
		}
	}
}
