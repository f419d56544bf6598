package devnet_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	executor "github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/exec/docker"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/reputation"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/telemetry"
)

// noGPUDevices is the docker executor with one difference: it starts a
// task's container without the GPU device request, which this machine
// (no GPU, no NVIDIA runtime) could not grant. The provider still
// allocates, prices and time-locks the GPU it was told it has.
type noGPUDevices struct{ *docker.Executor }

func (e noGPUDevices) Start(ctx context.Context, t executor.Task) error {
	t.GPUIDs, t.GPUVendor = nil, ""
	return e.Executor.Start(ctx, t)
}

// fakeGPU is the GPU the provider is told it has; the stand-in nvidia-smi
// reports on it.
const fakeGPU = "GPU-7e57a100-0000-4000-8000-000000000001"

// nvidiaStandIn writes an nvidia-smi stand-in that answers the
// compute-apps query with the file apps (NVIDIA's CSV format, header
// first) and the utilisation query with one busy GPU, and counts the
// compute-apps queries it answered in calls, a line each. The test
// scripts the processes by rewriting apps.
func nvidiaStandIn(t *testing.T) (script, apps, calls string) {
	t.Helper()
	dir := t.TempDir()
	apps, calls = filepath.Join(dir, "apps.csv"), filepath.Join(dir, "calls")
	script = filepath.Join(dir, "nvidia-smi")
	body := fmt.Sprintf(`#!/bin/sh
case "$*" in
*--query-compute-apps*) cat %q; echo >> %q ;;
*--query-gpu*) echo "%s, 87, 30001" ;;
*) echo "stand-in nvidia-smi: unexpected arguments $*" >&2; exit 2 ;;
esac
`, apps, calls, fakeGPU)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	writeApps(t, apps)
	return script, apps, calls
}

// queries is how many compute-apps queries the stand-in answered.
func queries(t *testing.T, calls string) int {
	b, err := os.ReadFile(calls)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

// writeApps replaces the processes the stand-in reports: pid and MiB per
// process, all on the fake GPU.
func writeApps(t *testing.T, path string, procs ...[2]int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("pid, used_gpu_memory [MiB], gpu_uuid\n")
	for _, p := range procs {
		fmt.Fprintf(&b, "%d, %d MiB, %s\n", p[0], p[1], fakeGPU)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil { // the stand-in never reads half a file
		t.Fatal(err)
	}
}

// TestTimeLockForeignProcess runs a service job on a GPU (the provider's,
// with an nvidia-smi stand-in) on a devnet with real Docker and the dev
// chain. While the task's own process uses the GPU its intervals are
// clean and paid; a foreign process (this test's, outside the task's
// container) appears on the GPU mid-window and goes: that interval alone
// is withheld, to the exact amount it added, on the requester's vouchers
// and in the provider's write-off alike, the task goes on running
// (neither side stops it), the requester attests timelock-broken against
// the provider, and the job's detail shows the timeline.
func TestTimeLockForeignProcess(t *testing.T) {
	needDocker(t)
	script, apps, calls := nvidiaStandIn(t)
	wrap := func(ex executor.Executor) executor.Executor {
		if d, ok := ex.(*docker.Executor); ok {
			return noGPUDevices{d}
		}
		return ex
	}
	net := startWith(t, devnet.Config{Nodes: 2, UsageInterval: time.Second,
		WrapExecutors: map[int]func(executor.Executor) executor.Executor{1: wrap}})
	defer net.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	prov := net.Nodes[1]
	ob := prov.Provider().Onboarding()
	ob.Machine.GPUs = append(ob.Machine.GPUs, inventory.GPU{Index: 0, UUID: fakeGPU, Vendor: inventory.VendorNVIDIA, Model: "NVIDIA A100-SXM4-80GB", VRAM: 80 << 30})
	ob.Policy.Share.GPUs = []string{fakeGPU}
	ob.Policy.Prices.GPUHour = 36 * money.Unit // 0.01 DECO a second: every interval costs something
	ob.Policy.NvidiaSMI = []string{script}
	if err := prov.Provider().SetOnboarding(ctx, *ob); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; {
		if o, ok := net.Nodes[0].Catalog().Get(prov.PeerID()); ok && len(o.GPUs) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the requester never saw the provider's GPU")
		}
		time.Sleep(50 * time.Millisecond)
	}

	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	spec := job.Spec{APIVersion: job.APIVersion, Image: image, Kind: job.KindService,
		Command: []string{"sh", "-c", "exec sleep 600"}, Timeout: job.Duration(10 * time.Minute),
		Resources: job.Resources{GPUs: 1}}
	j, err := c.Submit(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	running := waitState(t, c, j.ID, job.StateRunning)

	// The task's own process on the GPU: its container's init.
	out, err := exec.Command("docker", "ps", "-q", "--no-trunc", "--filter", "label="+docker.LabelExecution+"="+running.ExecutionID).Output()
	if err != nil || len(strings.TrimSpace(string(out))) == 0 {
		t.Fatalf("the task's container: %q, %v", out, err)
	}
	container := strings.TrimSpace(string(out))
	out, err = exec.Command("docker", "inspect", "-f", "{{.State.Pid}}", container).Output()
	if err != nil {
		t.Fatal(err)
	}
	var taskPID int
	if _, err := fmt.Sscan(string(out), &taskPID); err != nil || taskPID == 0 {
		t.Fatalf("the container's pid: %q, %v", out, err)
	}
	writeApps(t, apps, [2]int{taskPID, 30000})

	// intervals are the requester's time-lock rows so far.
	intervals := func() []store.TimeLock {
		d, err := c.Job(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		return d.TimeLock
	}
	waitIntervals := func(n int) []store.TimeLock {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; {
			if ts := intervals(); len(ts) >= n {
				return ts
			}
			if time.Now().After(deadline) {
				t.Fatalf("fewer than %d time-lock intervals after 30 s: %+v", n, intervals())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// Two whole intervals with the task's process on the GPU.
	before := waitIntervals(len(waitIntervals(1)) + 2)

	// A foreign process appears mid-window and goes again once two
	// samples saw it (the second started after it appeared): sampled,
	// not watched, the time-lock sees a process that lives past a sample.
	n := queries(t, calls)
	writeApps(t, apps, [2]int{taskPID, 30000}, [2]int{os.Getpid(), 2048})
	for deadline := time.Now().Add(10 * time.Second); queries(t, calls) < n+2; {
		if time.Now().After(deadline) {
			t.Fatal("the provider stopped sampling the GPU")
		}
		time.Sleep(20 * time.Millisecond)
	}
	writeApps(t, apps, [2]int{taskPID, 30000})
	after := waitIntervals(len(before) + 4)
	if err := c.Cancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	end := waitState(t, c, j.ID, job.StateCancelled)
	time.Sleep(1500 * time.Millisecond) // the final report's voucher

	d, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	ts := d.TimeLock
	var foreign []store.TimeLock
	for i, tl := range ts {
		if tl.Index != uint64(i+1) {
			t.Fatalf("interval %d has index %d: a gap in the timeline %+v", i+1, tl.Index, ts)
		}
		a := tl.Attestation
		if a == nil || a.Samples == 0 {
			t.Fatalf("interval %d holds no signed sample: %+v", tl.Index, tl)
		}
		switch tl.Verdict {
		case telemetry.VerdictForeign:
			foreign = append(foreign, tl)
			if f := a.Foreign(); len(f) != 1 || f[0].PID != uint32(os.Getpid()) || f[0].GPU != fakeGPU || f[0].Memory != 2048<<20 {
				t.Fatalf("interval %d's foreign processes: %+v", tl.Index, f)
			}
		case telemetry.VerdictClean:
		default:
			t.Fatalf("interval %d: %s (%s)", tl.Index, tl.Verdict, tl.Reason)
		}
		if tl.Index > 1 && !a.Start.Equal(ts[i-1].Attestation.End) {
			t.Fatalf("interval %d starts at %s, interval %d ended at %s", tl.Index, a.Start, tl.Index-1, ts[i-1].Attestation.End)
		}
		if int(tl.Index) > len(before) && tl.Verdict == telemetry.VerdictClean {
			for _, p := range a.Processes { // the task's process is told for what it is
				if p.PID == uint32(taskPID) && p.Container != container {
					t.Fatalf("interval %d: the task's pid %d mapped to %q, want its container %s", tl.Index, taskPID, p.Container, container)
				}
			}
		}
	}
	for _, tl := range before {
		if tl.Verdict != telemetry.VerdictClean {
			t.Fatalf("interval %d before the foreign process: %s (%s)", tl.Index, tl.Verdict, tl.Reason)
		}
	}
	// Two samples: one interval, or two where they straddled a report.
	if len(foreign) == 0 || len(foreign) > 2 {
		t.Fatalf("%d foreign intervals, want 1 (2 across a boundary): %+v", len(foreign), ts)
	}
	if len(after) < len(before)+4 || ts[len(ts)-1].Verdict != telemetry.VerdictClean {
		t.Fatalf("no clean interval after the foreign process left: %+v", ts)
	}

	// Withheld: exactly what the foreign intervals added to the amount due.
	due := map[uint64]money.Amount{}
	for _, u := range d.Usage {
		due[u.Report.Seq] = u.Report.AmountDue
	}
	var want money.Amount
	for _, tl := range foreign {
		if w := due[tl.Index] - due[tl.Index-1]; tl.Withheld != w || w <= 0 {
			t.Fatalf("interval %d withheld %s, its report added %s", tl.Index, tl.Withheld, w)
		}
		want += tl.Withheld
	}
	last := d.Usage[len(d.Usage)-1].Report
	paid := d.Vouchers[len(d.Vouchers)-1].Voucher.Cumulative
	if paid != last.AmountDue-want {
		t.Fatalf("last voucher %s, want the amount due %s less the %s withheld", paid, last.AmountDue, want)
	}
	// The provider judged its own intervals the same and wrote off what was withheld.
	provTs, err := prov.Store().TimeLocks(ctx, store.RoleProvider, running.ExecutionID)
	if err != nil || len(provTs) != len(ts) {
		t.Fatalf("the provider holds %d intervals (%v), the requester %d", len(provTs), err, len(ts))
	}
	for i := range provTs {
		if provTs[i].Verdict != ts[i].Verdict || provTs[i].Withheld != ts[i].Withheld {
			t.Fatalf("interval %d: the provider says %s (%s withheld), the requester %s (%s)", i+1,
				provTs[i].Verdict, provTs[i].Withheld, ts[i].Verdict, ts[i].Withheld)
		}
	}
	ch, err := prov.Store().PayChannel(ctx, store.RoleProvider, net.Nodes[0].Address(), prov.Address())
	if err != nil || ch.WrittenOff != want || ch.Latest.Cumulative != paid {
		t.Fatalf("the provider's channel: written off %s (want %s), latest voucher %s (want %s), %v", ch.WrittenOff, want, ch.Latest.Cumulative, paid, err)
	}
	// Neither side stopped the service: it ran until cancelled.
	if end.State != job.StateCancelled || strings.Contains(end.Error, "pay") {
		t.Fatalf("the service ended %s (%s)", end.State, end.Error)
	}
	// The requester attested against the provider.
	rep, err := c.Reputation(ctx, prov.PeerID(), 10)
	if err != nil {
		t.Fatal(err)
	}
	var broken bool
	for _, a := range rep.Attestations {
		broken = broken || (a.Kind == reputation.KindTimeLockBroken && a.ExecutionID == running.ExecutionID && a.Attester == net.Nodes[0].PeerID())
	}
	if !broken {
		t.Fatalf("no timelock-broken attestation about the provider: %+v", rep)
	}
	t.Logf("%d intervals, %d foreign (%v), %s of %s DECO withheld", len(ts), len(foreign), foreign[0].Reason, want, last.AmountDue)
}
