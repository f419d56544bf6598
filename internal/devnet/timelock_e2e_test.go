package devnet_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/devnet"
	executor "github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/exec/docker"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/reputation"
	"github.com/deco-network/deco/internal/requester"
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
// compute-apps queries it answered in calls, a line each; while the file
// fail exists it fails as nvidia-smi does when it cannot reach the driver.
// The test scripts the processes by rewriting apps.
func nvidiaStandIn(t testing.TB) (script, apps, calls, fail string) {
	t.Helper()
	dir := t.TempDir()
	apps, calls, fail = filepath.Join(dir, "apps.csv"), filepath.Join(dir, "calls"), filepath.Join(dir, "fail")
	script = filepath.Join(dir, "nvidia-smi")
	body := fmt.Sprintf(`#!/bin/sh
if [ -e %q ]; then echo "Failed to initialize NVML: Driver/library version mismatch"; exit 18; fi
case "$*" in
*--query-compute-apps*) cat %q; echo >> %q ;;
*--query-gpu*) echo "%s, 87, 30001" ;;
*) echo "stand-in nvidia-smi: unexpected arguments $*" >&2; exit 2 ;;
esac
`, fail, apps, calls, fakeGPU)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	writeApps(t, apps)
	return script, apps, calls, fail
}

// queries is how many compute-apps queries the stand-in answered.
func queries(t testing.TB, calls string) int {
	b, err := os.ReadFile(calls)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

// writeApps replaces the processes the stand-in reports: pid and MiB per
// process, all on the fake GPU.
func writeApps(t testing.TB, path string, procs ...[2]int) {
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

// timeLockRun is a time-locked service job running on a devnet's
// provider (node 1) that was told it has one NVIDIA GPU, sampled with the
// stand-in: the task's container's init process uses the GPU.
type timeLockRun struct {
	t                 testing.TB
	ctx               context.Context
	net               *devnet.Net
	c                 *client.Client
	jobID, execution  string
	container         string
	taskPID           int
	apps, calls, fail string
}

// timeLockNet starts a devnet whose provider (node 1) was told it has one
// NVIDIA GPU, sampled with the stand-in, and returns it with the run's
// files and node 0's client.
func timeLockNet(t testing.TB, ctx context.Context, interval time.Duration) *timeLockRun {
	needDocker(t)
	script, apps, calls, fail := nvidiaStandIn(t)
	wrap := func(ex executor.Executor) executor.Executor {
		if d, ok := ex.(*docker.Executor); ok {
			return noGPUDevices{d}
		}
		return ex
	}
	net := startWith(t, devnet.Config{Nodes: 2, UsageInterval: interval,
		WrapExecutors: map[int]func(executor.Executor) executor.Executor{1: wrap}})
	t.Cleanup(func() { net.Close() })
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
	return &timeLockRun{t: t, ctx: ctx, net: net, c: c, apps: apps, calls: calls, fail: fail}
}

// gpuSleeper is a task that holds the GPU (as the stand-in says) until
// stopped.
func gpuSleeper(kind string) job.Spec {
	return job.Spec{APIVersion: job.APIVersion, Image: image, Kind: kind,
		Command: []string{"sh", "-c", "exec sleep 600"}, Timeout: job.Duration(10 * time.Minute),
		Resources: job.Resources{GPUs: 1}}
}

// startTimeLocked runs a time-locked service job on the GPU, with usage
// reports every interval.
func startTimeLocked(t *testing.T, ctx context.Context, interval time.Duration) *timeLockRun {
	r := timeLockNet(t, ctx, interval)
	j, err := r.c.Submit(ctx, gpuSleeper(job.KindService))
	if err != nil {
		t.Fatal(err)
	}
	r.jobID = j.ID
	r.execution = waitState(t, r.c, j.ID, job.StateRunning).ExecutionID
	r.onGPU(r.execution)
	return r
}

// onGPU makes execution's container's init the process the stand-in
// shows on the GPU.
func (r *timeLockRun) onGPU(execution string) {
	t := r.t
	t.Helper()
	out, err := exec.Command("docker", "ps", "-q", "--no-trunc", "--filter", "label="+docker.LabelExecution+"="+execution).Output()
	if err != nil || len(strings.TrimSpace(string(out))) == 0 {
		t.Fatalf("the task's container: %q, %v", out, err)
	}
	r.container = strings.TrimSpace(string(out))
	out, err = exec.Command("docker", "inspect", "-f", "{{.State.Pid}}", r.container).Output()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Sscan(string(out), &r.taskPID); err != nil || r.taskPID == 0 {
		t.Fatalf("the container's pid: %q, %v", out, err)
	}
	writeApps(t, r.apps, [2]int{r.taskPID, 30000})
}

// intervals are the requester's time-lock rows so far.
func (r *timeLockRun) intervals() []store.TimeLock {
	d, err := r.c.Job(r.ctx, r.jobID)
	if err != nil {
		r.t.Fatal(err)
	}
	return d.TimeLock
}

// waitIntervals waits for n intervals.
func (r *timeLockRun) waitIntervals(n int) []store.TimeLock {
	r.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if ts := r.intervals(); len(ts) >= n {
			return ts
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("fewer than %d time-lock intervals after 30 s: %+v", n, r.intervals())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitQueries waits until the stand-in answered n more compute-apps
// queries.
func (r *timeLockRun) waitQueries(n int) {
	r.t.Helper()
	want := queries(r.t, r.calls) + n
	for deadline := time.Now().Add(10 * time.Second); queries(r.t, r.calls) < want; {
		if time.Now().After(deadline) {
			r.t.Fatal("the provider stopped sampling the GPU")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop cancels the job and returns its detail once the final report's
// voucher is in; the service must have run until the cancel (neither side
// stopped it for the withheld intervals).
func (r *timeLockRun) stop() api.JobDetail {
	r.t.Helper()
	if err := r.c.Cancel(r.ctx, r.jobID); err != nil {
		r.t.Fatal(err)
	}
	end := waitState(r.t, r.c, r.jobID, job.StateCancelled)
	if strings.Contains(end.Error, "pay") {
		r.t.Fatalf("the service ended %s (%s)", end.State, end.Error)
	}
	time.Sleep(1500 * time.Millisecond) // the final report's voucher
	d, err := r.c.Job(r.ctx, r.jobID)
	if err != nil {
		r.t.Fatal(err)
	}
	return d
}

// checkWithheld checks the failed intervals' arithmetic on both sides:
// each withheld exactly what its report added to the amount due, the last
// voucher is the amount due less them all, the provider judged its own
// intervals the same and wrote off as much; and the requester attested
// timelock-broken against the provider. It returns the amount withheld.
func (r *timeLockRun) checkWithheld(d api.JobDetail, failed []store.TimeLock) money.Amount {
	t := r.t
	t.Helper()
	due := map[uint64]money.Amount{}
	for _, u := range d.Usage {
		due[u.Report.Seq] = u.Report.AmountDue
	}
	var want money.Amount
	for _, tl := range failed {
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
	prov := r.net.Nodes[1]
	provTs, err := prov.Store().TimeLocks(r.ctx, store.RoleProvider, r.execution)
	if err != nil || len(provTs) != len(d.TimeLock) {
		t.Fatalf("the provider holds %d intervals (%v), the requester %d", len(provTs), err, len(d.TimeLock))
	}
	for i, tl := range d.TimeLock {
		if provTs[i].Verdict != tl.Verdict || provTs[i].Withheld != tl.Withheld {
			t.Fatalf("interval %d: the provider says %s (%s withheld), the requester %s (%s)", i+1,
				provTs[i].Verdict, provTs[i].Withheld, tl.Verdict, tl.Withheld)
		}
	}
	ch, err := prov.Store().PayChannel(r.ctx, store.RoleProvider, r.net.Nodes[0].Address(), prov.Address())
	if err != nil || ch.WrittenOff != want || ch.Latest.Cumulative != paid {
		t.Fatalf("the provider's channel: written off %s (want %s), latest voucher %s (want %s), %v", ch.WrittenOff, want, ch.Latest.Cumulative, paid, err)
	}
	rep, err := r.c.Reputation(r.ctx, prov.PeerID(), 10)
	if err != nil {
		t.Fatal(err)
	}
	var broken bool
	for _, a := range rep.Attestations {
		broken = broken || (a.Kind == reputation.KindTimeLockBroken && a.ExecutionID == r.execution && a.Attester == r.net.Nodes[0].PeerID())
	}
	if !broken {
		t.Fatalf("no timelock-broken attestation about the provider: %+v", rep)
	}
	return want
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
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := startTimeLocked(t, ctx, time.Second)
	// Two whole intervals with the task's process on the GPU.
	before := r.waitIntervals(len(r.waitIntervals(1)) + 2)

	// A foreign process appears mid-window and goes again once two
	// samples saw it (the second started after it appeared): sampled,
	// not watched, the time-lock sees a process that lives past a sample.
	writeApps(t, r.apps, [2]int{r.taskPID, 30000}, [2]int{os.Getpid(), 2048})
	r.waitQueries(2)
	writeApps(t, r.apps, [2]int{r.taskPID, 30000})
	after := r.waitIntervals(len(before) + 4)
	d := r.stop()

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
				if p.PID == uint32(r.taskPID) && p.Container != r.container {
					t.Fatalf("interval %d: the task's pid %d mapped to %q, want its container %s", tl.Index, r.taskPID, p.Container, r.container)
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
	want := r.checkWithheld(d, foreign)
	t.Logf("%d intervals, %d foreign (%v), %s of %s DECO withheld", len(ts), len(foreign), foreign[0].Reason, want, d.Usage[len(d.Usage)-1].Report.AmountDue)
}

// TestTimeLockGapWithheld: nvidia-smi fails on the provider for a few
// seconds (the driver unreachable): the intervals it could not sample are
// gaps, attested with no sample, withheld on both sides to the exact
// amount; the intervals before and after are clean and paid, and the
// service runs on.
func TestTimeLockGapWithheld(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := startTimeLocked(t, ctx, time.Second)
	before := r.waitIntervals(len(r.waitIntervals(1)) + 2)
	if err := os.WriteFile(r.fail, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r.waitIntervals(len(before) + 3)
	if err := os.Remove(r.fail); err != nil {
		t.Fatal(err)
	}
	r.waitQueries(1)
	r.waitIntervals(len(r.intervals()) + 2)
	d := r.stop()

	var gaps []store.TimeLock
	for _, tl := range d.TimeLock {
		switch {
		case tl.Verdict == telemetry.VerdictGap:
			if tl.Attestation == nil || tl.Attestation.Samples != 0 || !strings.Contains(tl.Reason, "no sample") {
				t.Fatalf("gap interval %d: %+v (%s)", tl.Index, tl.Attestation, tl.Reason)
			}
			gaps = append(gaps, tl)
		case tl.Verdict != telemetry.VerdictClean:
			t.Fatalf("interval %d: %s (%s)", tl.Index, tl.Verdict, tl.Reason)
		}
	}
	for _, tl := range before {
		if tl.Verdict != telemetry.VerdictClean {
			t.Fatalf("interval %d before nvidia-smi failed: %s (%s)", tl.Index, tl.Verdict, tl.Reason)
		}
	}
	if len(gaps) < 2 || d.TimeLock[len(d.TimeLock)-1].Verdict != telemetry.VerdictClean {
		t.Fatalf("%d gaps, then %s: want at least 2 gaps and clean intervals after them: %+v", len(gaps), d.TimeLock[len(d.TimeLock)-1].Verdict, d.TimeLock)
	}
	want := r.checkWithheld(d, gaps)
	t.Logf("%d intervals, %d gaps, %s of %s DECO withheld", len(d.TimeLock), len(gaps), want, d.Usage[len(d.Usage)-1].Report.AmountDue)
}

// TestTimeLockBooking books the GPU provider and runs a job in the
// booking: the reservation is time-locked, the job's container's process
// on the GPU is the renter's (a job in the booking), and a foreign process
// withholds the reservation's interval, as for a service job.
func TestTimeLockBooking(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := timeLockNet(t, ctx, time.Second)
	b, err := r.c.Book(ctx, requester.BookingRequest{Nodes: 1, Duration: job.Duration(10 * time.Minute),
		Resources: job.Resources{CPU: 500, Memory: 256 << 20, Disk: 256 << 20, GPUs: 1}})
	if err != nil {
		t.Fatal(err)
	}
	b = waitBooking(t, r.c, b.ID, job.StateRunning, 30*time.Second)
	r.jobID = b.ID
	d, err := r.c.Job(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	r.execution = d.ExecutionID
	in := gpuSleeper("")
	in.Booking = b.ID
	in.Resources = job.Resources{CPU: 250, Memory: 64 << 20, Disk: 64 << 20, GPUs: 1}
	j, err := r.c.Submit(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	inside := waitState(t, r.c, j.ID, job.StateRunning)
	r.onGPU(inside.ExecutionID)
	before := r.waitIntervals(len(r.intervals()) + 2)
	writeApps(t, r.apps, [2]int{r.taskPID, 30000}, [2]int{os.Getpid(), 2048})
	r.waitQueries(2)
	writeApps(t, r.apps, [2]int{r.taskPID, 30000})
	r.waitIntervals(len(r.intervals()) + 2)
	d = r.stop()

	var foreign []store.TimeLock
	sawTask := false
	for _, tl := range d.TimeLock {
		if tl.Execution != r.execution {
			t.Fatalf("interval %d of execution %s: the booking's is %s", tl.Index, tl.Execution, r.execution)
		}
		switch tl.Verdict {
		case telemetry.VerdictForeign:
			foreign = append(foreign, tl)
		case telemetry.VerdictClean:
			for _, p := range tl.Attestation.Processes {
				sawTask = sawTask || (p.PID == uint32(r.taskPID) && p.Container == r.container)
			}
		default:
			if int(tl.Index) > len(before) { // before the job's process was scripted the GPU was idle: clean too
				t.Fatalf("interval %d: %s (%s)", tl.Index, tl.Verdict, tl.Reason)
			}
		}
	}
	if !sawTask {
		t.Fatalf("the job in the booking was never attested as the renter's: %+v", d.TimeLock)
	}
	if len(foreign) == 0 || len(foreign) > 2 {
		t.Fatalf("%d foreign intervals, want 1 (2 across a boundary): %+v", len(foreign), d.TimeLock)
	}
	want := r.checkWithheld(d, foreign)
	t.Logf("booking: %d intervals, %d foreign, %s of %s DECO withheld", len(d.TimeLock), len(foreign), want, d.Usage[len(d.Usage)-1].Report.AmountDue)
}

// TestTimeLockAcrossProviderRestart restarts the provider's daemon while
// a time-locked service job runs on it: the task is reattached and its
// time-lock goes on from the last interval the provider kept, with no
// index skipped and each interval starting where the one before ended
// (the one spanning the restart included), all clean and paid.
func TestTimeLockAcrossProviderRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Reports every 5 s: the requester reattaches within one interval of
	// the restart (0.5 to 3.5 s here), as the provider requires to run on.
	r := startTimeLocked(t, ctx, 5*time.Second)
	before := r.waitIntervals(len(r.waitIntervals(1)) + 1)
	if err := r.net.Restart(ctx, 1); err != nil {
		t.Fatal(err)
	}
	r.waitIntervals(len(before) + 2)
	d := r.stop()
	ts := d.TimeLock
	if d.ExecutionID != r.execution {
		t.Fatalf("the job ran again as execution %s: the restart lost %s", d.ExecutionID, r.execution)
	}
	for i, tl := range ts {
		if tl.Index != uint64(i+1) || tl.Verdict != telemetry.VerdictClean || tl.Attestation == nil {
			t.Fatalf("interval %d: index %d, %s (%s): %+v", i+1, tl.Index, tl.Verdict, tl.Reason, ts)
		}
		if i > 0 && !tl.Attestation.Start.Equal(ts[i-1].Attestation.End) {
			t.Fatalf("interval %d starts at %s, interval %d ended at %s", tl.Index, tl.Attestation.Start, i, ts[i-1].Attestation.End)
		}
	}
	last := d.Usage[len(d.Usage)-1].Report
	if paid := d.Vouchers[len(d.Vouchers)-1].Voucher.Cumulative; paid != last.AmountDue {
		t.Fatalf("last voucher %s, the amount due %s: nothing should be withheld", paid, last.AmountDue)
	}
	t.Logf("%d intervals across the restart (%d before it), all clean; %s DECO paid", len(ts), len(before), last.AmountDue)
}

// processCPU is the CPU time this process (both nodes of the devnet, its
// chain) and its waited-for children (nvidia-smi runs) used so far.
func processCPU(tb testing.TB) time.Duration {
	var self, kids syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		tb.Fatal(err)
	}
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids); err != nil {
		tb.Fatal(err)
	}
	tv := func(t syscall.Timeval) time.Duration {
		return time.Duration(t.Sec)*time.Second + time.Duration(t.Usec)*time.Microsecond
	}
	return tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)
}

// BenchmarkTimeLockOverheadE2E measures, on a devnet at the default
// intervals (a sample every 2 s, a usage report every 10 s), the CPU the
// whole process (requester, provider, dev chain) uses over 20 s while a
// task holds the provider's GPU: as a batch job (not time-locked), as a
// service job (time-locked: sampled with the nvidia-smi stand-in, an
// attestation per report, checked by the requester), then as a batch job
// again, each after the last one's container is gone; the batch figure is
// the mean of the two. The difference is the time-lock's cost on a
// running task.
func BenchmarkTimeLockOverheadE2E(b *testing.B) {
	ctx := context.Background()
	r := timeLockNet(b, ctx, market.DefaultUsageInterval)
	const window = 20 * time.Second
	measure := func(kind string) float64 {
		j, err := r.c.Submit(ctx, gpuSleeper(kind))
		if err != nil {
			b.Fatal(err)
		}
		r.onGPU(waitState(b, r.c, j.ID, job.StateRunning).ExecutionID)
		time.Sleep(2 * time.Second) // past the start
		before := processCPU(b)
		time.Sleep(window)
		used := processCPU(b) - before
		if err := r.c.Cancel(ctx, j.ID); err != nil {
			b.Fatal(err)
		}
		waitState(b, r.c, j.ID, job.StateCancelled)
		time.Sleep(3 * time.Second) // its container removed, its last voucher in
		return 100 * float64(used) / float64(window)
	}
	for b.Loop() {
		off := measure("")
		on := measure(job.KindService)
		off = (off + measure("")) / 2
		b.ReportMetric(off, "cpu%-batch")
		b.ReportMetric(on, "cpu%-timelocked")
		b.ReportMetric(on-off, "cpu%-added")
	}
}
