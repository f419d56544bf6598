package devnet_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/node"
	"github.com/deco-network/deco/internal/store"
)

// TestGangRestartFromCheckpointEndToEnd runs linked jobs on three
// providers. In the first, one task's provider is stopped mid-run: the
// other task is stopped, every provider is paid for what it ran, and the
// whole gang is placed again (not on the lost provider, with a job
// network of its own) where each task starts from a checkpoint (task 0's
// own, task 1 task 0's: its own was lost with its provider), talks to the
// other over the new job network, and the job completes. In the second a
// task fails on its first attempt: the gang restarts, each task from its
// own checkpoint, and a cancel then stops every task.
func TestGangRestartFromCheckpointEndToEnd(t *testing.T) {
	init := needLinks(t)
	net := startWith(t, devnet.Config{Nodes: 4, TaskInit: init, HeartbeatTimeout: 2 * time.Second})
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := net.WaitForOffers(ctx, 0, 3); err != nil {
		t.Fatal(err)
	}
	req := net.Nodes[0]

	script := `set -e
if [ -f /outputs/checkpoint/step ]; then
	cp /outputs/checkpoint/step /outputs/resumed
	echo "resumed $DECO_TASK_INDEX from $(cat /outputs/checkpoint/step)"
	if [ "$DECO_TASK_INDEX" = 1 ]; then
		timeout 30 nc -l -p 5000 > /outputs/got
	else
		for i in $(seq 1 150); do
			if echo "hello from task 0" | nc -w 1 task-1 5000; then break; fi
			sleep 0.2
		done
	fi
	exit 0
fi
mkdir -p /outputs/checkpoint
echo "step-$DECO_TASK_INDEX" > /outputs/checkpoint/step
echo "started $DECO_TASK_INDEX"
sleep 300`
	spec := job.Spec{APIVersion: job.APIVersion, Image: image, Tasks: 2, MaxAttempts: 2,
		Network: job.NetworkPolicy{Links: true}, Command: []string{"sh", "-c", script}}
	j, err := c.Submit(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	waitLog(t, c, j.ID, "task-0| started 0")
	waitLog(t, c, j.ID, "task-1| started 1")
	first, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if first.Tasks[0].Provider == first.Tasks[1].Provider {
		t.Fatalf("both tasks on %s: the test loses one task's provider alone", first.Tasks[0].Provider)
	}
	// The provider to lose has been paid for some of what it ran.
	lost := first.Tasks[1]
	waitPaid(t, req, lost.ExecutionID)
	lostNode := nodeByPeer(t, net, lost.Provider)
	lostNode.Close()

	got, logs := waitDone(t, c, j.ID)
	d, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != job.StateCompleted {
		b, _ := json.MarshalIndent(d, "", " ")
		t.Fatalf("job ended %s: %s\n%s\n%s", got.State, got.Error, logs, b)
	}
	if !strings.Contains(logs, "task-0| resumed 0 from step-0") || !strings.Contains(logs, "task-1| resumed 1 from step-0") {
		t.Fatalf("logs across both attempts:\n%s", logs)
	}
	events := eventText(d.Events)
	for _, want := range []string{
		"gang attempt 2 of 2: task 1's provider " + lost.Provider + " was lost",
		"task 0 from its checkpoint",
		"task 1 from task 0's checkpoint (its outputs were lost with its provider)",
	} {
		if !strings.Contains(events, want) {
			t.Fatalf("the job's events do not say %q:\n%s", want, events)
		}
	}
	// Attempts per task: the first ended (lost, stopped), the second
	// completed, each on a new execution; none again on the lost provider.
	for i, tk := range d.Tasks {
		if len(tk.Attempts) != 2 || tk.Attempts[1].State != job.StateCompleted || tk.Attempts[0].ExecutionID != first.Tasks[i].ExecutionID ||
			tk.ExecutionID == first.Tasks[i].ExecutionID || tk.Provider == lost.Provider {
			t.Fatalf("task %d: on %s as %s, attempts %+v", i, tk.Provider, tk.ExecutionID, tk.Attempts)
		}
	}
	if a := d.Tasks[1].Attempts[0]; a.State != job.StateLost || a.Provider != lost.Provider {
		t.Fatalf("task 1's first attempt: %+v", a)
	}
	if a := d.Tasks[0].Attempts[0]; a.State != job.StateCancelled || a.Provider != first.Tasks[0].Provider {
		t.Fatalf("task 0's first attempt: %+v", a)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := c.Outputs(ctx, j.ID, out); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		dir := filepath.Join(out, "task-"+string(rune('0'+i)))
		if got := readFile(t, filepath.Join(dir, "resumed")); got != "step-0\n" {
			t.Fatalf("task %d started its second attempt from %q, want task 0's checkpoint", i, got)
		}
	}
	if got := readFile(t, filepath.Join(out, "task-1", "got")); got != "hello from task 0\n" {
		t.Fatalf("task 1 received %q over the second attempt's job network", got)
	}

	// Each provider of the first attempt was paid, by vouchers on its own
	// channel, exactly what its last report said was due; the one that
	// ran a task in both attempts, for both.
	for _, p := range []string{first.Tasks[0].Provider, lost.Provider} {
		var due money.Amount
		for _, tk := range d.Tasks {
			for _, a := range tk.Attempts {
				if a.Provider == p {
					due += lastDue(t, req, a.ExecutionID)
				}
			}
		}
		paid, err := req.Requester().ChannelTotal(ctx, nodeByPeer(t, net, p).Address())
		if err != nil {
			t.Fatal(err)
		}
		if due <= 0 || paid != due {
			t.Fatalf("provider %s: reports say %s due, its channel carries %s", p, due, paid)
		}
	}
	if due := lastDue(t, req, lost.ExecutionID); due <= 0 {
		t.Fatalf("the lost provider was due %s for what it ran", due)
	}

	// A task that fails restarts the gang too; a cancel then stops every
	// task.
	// Task 1 fails once task 0 has written its checkpoint and said so.
	failing := `if [ -f /outputs/checkpoint/step ]; then echo "again $DECO_TASK_INDEX from $(cat /outputs/checkpoint/step)"; sleep 300; exit 0; fi
mkdir -p /outputs/checkpoint
echo "mine-$DECO_TASK_INDEX" > /outputs/checkpoint/step
if [ "$DECO_TASK_INDEX" = 1 ]; then timeout 30 nc -l -p 5000; echo failing; exit 3; fi
for i in $(seq 1 150); do
	if echo "checkpoint written" | nc -w 1 task-1 5000; then break; fi
	sleep 0.2
done
sleep 300`
	spec.Command = []string{"sh", "-c", failing}
	j2, err := c.Submit(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	waitLog(t, c, j2.ID, "task-0| again 0 from mine-0")
	waitLog(t, c, j2.ID, "task-1| again 1 from mine-1")
	if err := c.Cancel(ctx, j2.ID); err != nil {
		t.Fatal(err)
	}
	got2, logs2 := waitDone(t, c, j2.ID)
	d2, err := c.Job(ctx, j2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got2.State != job.StateCancelled {
		t.Fatalf("cancelled job ended %s: %s\n%s", got2.State, got2.Error, logs2)
	}
	if ev := eventText(d2.Events); !strings.Contains(ev, "gang attempt 2 of 2: task 1 failed (exit code 3)") ||
		!strings.Contains(ev, "task 0 from its checkpoint, task 1 from its checkpoint") {
		t.Fatalf("the job's events:\n%s", ev)
	}
	for i, tk := range d2.Tasks {
		if tk.State != job.StateCancelled || len(tk.Attempts) != 2 || tk.Attempts[1].State != job.StateCancelled {
			t.Fatalf("task %d after the cancel: %s, attempts %+v", i, tk.State, tk.Attempts)
		}
		// Its provider stopped it too.
		ex, err := nodeByPeer(t, net, tk.Provider).Store().GetExecution(ctx, tk.ExecutionID)
		if err != nil || ex.State != job.StateCancelled {
			t.Fatalf("task %d's execution on its provider: %s (%v)", i, ex.State, err)
		}
	}
	if a := d2.Tasks[1].Attempts[0]; a.State != job.StateFailed {
		t.Fatalf("task 1's first attempt: %+v", a)
	}
}

// waitPaid waits until the requester has paid at least one usage report
// of execution exe.
func waitPaid(t *testing.T, req *node.Node, exe string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		us, err := req.Store().Usages(context.Background(), store.RoleRequester, exe)
		if err == nil && len(us) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s was never paid (%v)", exe, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lastDue is what the last usage report of exe the requester accepted
// says is due, after checking that a voucher answered it.
func lastDue(t *testing.T, req *node.Node, exe string) money.Amount {
	t.Helper()
	ctx := context.Background()
	us, err := req.Store().Usages(ctx, store.RoleRequester, exe)
	if err != nil || len(us) == 0 {
		t.Fatalf("execution %s: no usage reports (%v)", exe, err)
	}
	vs, err := req.Store().Vouchers(ctx, store.RoleRequester, exe)
	last := us[len(us)-1].Report
	if err != nil || len(vs) == 0 || vs[len(vs)-1].Seq != last.Seq {
		t.Fatalf("execution %s: %d reports, the last (seq %d) not answered by a voucher (%d vouchers, %v)", exe, len(us), last.Seq, len(vs), err)
	}
	return last.AmountDue
}

// nodeByPeer is the devnet node with peer ID id.
func nodeByPeer(t *testing.T, net *devnet.Net, id string) *node.Node {
	t.Helper()
	for _, n := range net.Nodes {
		if n.PeerID() == id {
			return n
		}
	}
	t.Fatalf("no node %s", id)
	return nil
}

// eventText is a job's events, one a line.
func eventText(evs []store.Event) string {
	var b strings.Builder
	for _, e := range evs {
		b.WriteString(string(e.State) + ": " + e.Message + "\n")
	}
	return b.String()
}
