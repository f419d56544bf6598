package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/telemetry"
)

// Proof of time-lock, the provider's side. An execution whose spec is
// time-locked (job.Spec.TimeLocked: service jobs, booking reservations,
// jobs that ask) is sampled for it at every use sample: nvidia-smi's
// compute apps on its GPUs, each process mapped to the execution's
// containers (a booking reservation's are those of the jobs running in
// it) or marked foreign, and the host's CPU time. Each usage report closes
// the interval: the provider signs its attestation, sends it with the
// report, and keeps it. It judges it by the same rule as the requester
// (telemetry.Check): an interval with a foreign process, or without a
// sample, goes unpaid, so it writes that interval's amount off and does
// not stop the task for the voucher that leaves it out.

// containerLister is an executor that names an execution's containers
// (exec/docker).
type containerLister interface {
	ContainerIDs(ctx context.Context, executionID string) ([]string, error)
}

// timeLocks are the time-lock states of running executions. The zero
// value is ready.
type timeLocks struct {
	mu sync.Mutex
	// byExec holds each execution looked at: nil when it is not
	// time-locked.
	byExec map[string]*timeLockState
}

// timeLockState is one execution's time-lock.
type timeLockState struct {
	mu      sync.Mutex
	rec     store.Execution
	devices []string
	// nvidia: the devices are NVIDIA GPUs, which nvidia-smi samples.
	nvidia bool
	window *telemetry.Window
	// prevEnd is where the last attestation ended (zero before the first).
	prevEnd time.Time
	// containers caches the container IDs of the executions whose
	// processes are the renter's.
	containers map[string][]string
}

// timeLockProvable refuses a time-locked task (not one in a booking: the
// booking's reservation is the one time-locked) whose GPUs nvidia-smi
// cannot sample: its every interval would be a gap, unpaid.
func timeLockProvable(spec job.Spec, alloc inventory.Allocation) error {
	if !spec.TimeLocked() || spec.InBooking() || len(alloc.GPUs) == 0 || alloc.Vendor == job.VendorNVIDIA {
		return nil
	}
	return fmt.Errorf("this provider cannot prove a time-lock on %s GPUs (it samples NVIDIA GPUs only): a service job, booking or timeLock job needs NVIDIA GPUs here", alloc.Vendor)
}

// timeLockSampler is the sampler of the time-lock, with the policy's
// nvidia-smi command.
func (p *Provider) timeLockSampler() telemetry.TimeLockSampler {
	var cmd []string
	if ob := p.Onboarding(); ob != nil {
		cmd = ob.Policy.NvidiaSMI
	}
	return telemetry.TimeLockSampler{Runner: inventory.ExecRunner{}, NvidiaSMI: cmd}
}

// timeLockOf is execution id's time-lock state (nil when it is not
// time-locked), opened on first use from the interval after report seq,
// the sandbox having started at started. rec, when its spec is set, saves
// reading the execution from the store.
func (p *Provider) timeLockOf(ctx context.Context, id string, rec *store.Execution, started time.Time, seq uint64) *timeLockState {
	tl := &p.timeLocks
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if st, ok := tl.byExec[id]; ok {
		return st
	}
	if tl.byExec == nil {
		tl.byExec = map[string]*timeLockState{}
	}
	var e store.Execution
	if rec != nil && rec.Spec.APIVersion != "" {
		e = *rec
	} else {
		var err error
		if e, err = p.cfg.Store.GetExecution(ctx, id); err != nil {
			return nil // not yet recorded: looked at again next time
		}
	}
	if !e.Spec.TimeLocked() {
		tl.byExec[id] = nil
		return nil
	}
	p.mu.Lock()
	alloc, _ := p.allocationLocked(id)
	p.mu.Unlock()
	st := &timeLockState{rec: e, devices: slices.Clone(alloc.GPUs), nvidia: alloc.Vendor == job.VendorNVIDIA, containers: map[string][]string{}}
	start := started
	if seq > 0 { // reattached after a restart: go on from the last interval kept
		if ts, err := p.cfg.Store.TimeLocks(ctx, store.RoleProvider, id); err == nil && len(ts) > 0 {
			st.prevEnd = ts[len(ts)-1].End
			start = st.prevEnd
		}
	}
	st.window = telemetry.NewWindow(id, st.devices, seq+1, start)
	tl.byExec[id] = st
	return st
}

// endTimeLock forgets an ended execution's time-lock state.
func (p *Provider) endTimeLock(id string) {
	p.timeLocks.mu.Lock()
	delete(p.timeLocks.byExec, id)
	p.timeLocks.mu.Unlock()
}

// sampleTimeLock takes one time-lock sample of a running execution,
// taskCPU being its cgroup's CPU time at the use sample (zero: unknown).
func (p *Provider) sampleTimeLock(ctx context.Context, rec store.Execution, taskCPU time.Duration) {
	p.payMu.Lock()
	m := p.meters[rec.ID]
	var started time.Time
	var seq uint64
	if m != nil {
		started, seq = m.started, m.seq
	}
	p.payMu.Unlock()
	if started.IsZero() {
		return // not metered, or not started: no interval to prove
	}
	st := p.timeLockOf(ctx, rec.ID, &rec, started, seq)
	if st == nil {
		return
	}
	p.takeTimeLockSample(ctx, st, taskCPU)
}

// sampleTimeLockClosing takes the sample that closes an interval, so that
// every interval holds one, however short (the last, at exit).
func (p *Provider) sampleTimeLockClosing(ctx context.Context, id string) {
	p.sampleTimeLock(ctx, store.Execution{ID: id}, 0)
}

// takeTimeLockSample samples st's devices once and folds the reading in
// when it succeeded.
func (p *Provider) takeTimeLockSample(ctx context.Context, st *timeLockState, taskCPU time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, p.sampleInterval())
	defer cancel()
	r := telemetry.TimeLockReading{At: p.now(), TaskCPU: taskCPU}
	s := p.timeLockSampler()
	var err error
	if r.HostCPU, err = s.Procfs.HostCPU(); err != nil {
		p.log.Debug("time-lock: host CPU", "execution", st.rec.ID, "err", err)
	}
	if len(st.devices) > 0 {
		if !st.nvidia {
			// Only nvidia-smi names the processes on a GPU: an AMD GPU's
			// interval holds no sample (docs/rentals.md).
			return
		}
		if r.Apps, err = s.Apps(ctx, p.timeLockContainers(ctx, st)); err == nil {
			r.GPUs, err = s.Utilization(ctx, st.devices)
		}
		if err != nil {
			p.cfg.Metrics.Sampled(err)
			p.log.Warn("time-lock sample", "execution", st.rec.ID, "err", err)
			return
		}
	}
	// Without GPUs there is no device to prove: the sample counts even
	// where the host's CPU time cannot be read (it is told, not judged).
	st.mu.Lock()
	st.window.Add(r)
	st.mu.Unlock()
}

// timeLockContainers are the container IDs whose processes are the
// renter's: the execution's own and, for a booking reservation, those of
// the jobs running in the booking here.
func (p *Provider) timeLockContainers(ctx context.Context, st *timeLockState) []string {
	ids := []string{st.rec.ID}
	p.mu.Lock()
	for _, h := range p.held {
		if h.execution == st.rec.ID {
			for j := range h.jobs {
				ids = append(ids, j)
			}
		}
	}
	p.mu.Unlock()
	var out []string
	for _, id := range ids {
		st.mu.Lock()
		cs, ok := st.containers[id]
		st.mu.Unlock()
		if !ok {
			cs = p.containersOf(ctx, id)
			if len(cs) > 0 { // a container not started yet is looked for again
				st.mu.Lock()
				st.containers[id] = cs
				st.mu.Unlock()
			}
		}
		out = append(out, cs...)
	}
	return out
}

// containersOf asks every executor that can tell for execution id's
// containers.
func (p *Provider) containersOf(ctx context.Context, id string) []string {
	for _, ex := range p.cfg.Executors {
		l, ok := ex.(containerLister)
		if !ok {
			continue
		}
		cs, err := l.ContainerIDs(ctx, id)
		if err == nil {
			return cs
		}
		if !errors.Is(err, exec.ErrNotFound) {
			p.log.Debug("time-lock: containers", "execution", id, "err", err)
		}
	}
	return nil
}

// closeTimeLock ends the interval report u closes (m is the execution's
// meter, before u; p.payMu held): it signs the interval's attestation,
// judges it, keeps it and writes off what the requester will withhold for
// it. Nil when the execution is not time-locked.
func (p *Provider) closeTimeLock(ctx context.Context, m *meter, u market.UsageReport) *telemetry.Attestation {
	st := p.timeLockOf(ctx, u.Execution, nil, m.started, m.seq)
	if st == nil {
		return nil
	}
	st.mu.Lock()
	a := st.window.Close(p.now())
	prevEnd := st.prevEnd
	if err := a.Sign(p.cfg.Key); err != nil {
		st.mu.Unlock()
		p.log.Error("time-lock attestation", "execution", u.Execution, "err", err)
		return nil
	}
	st.prevEnd = a.End
	st.mu.Unlock()
	verdict, why := telemetry.Check(&a, telemetry.Expect{Execution: u.Execution, Provider: p.cfg.Key.Address(), Index: u.Seq,
		Start: prevEnd, GPUs: len(st.devices)})
	me := p.cfg.Settlement.Address()
	row := store.TimeLock{JobID: m.deal.Quote.JobID, Execution: u.Execution, Index: a.Index, Requester: m.requester, Provider: me,
		Start: a.Start, End: a.End, Verdict: verdict, Reason: telemetry.Reason(&a, why), Attestation: &a, At: p.now()}
	row.Withheld = telemetry.Withheld(verdict, m.amount, u.AmountDue)
	ctx = context.WithoutCancel(ctx)
	if err := p.cfg.Store.PutTimeLock(ctx, store.RoleProvider, row); err != nil {
		p.log.Error("store time-lock attestation", "execution", u.Execution, "err", err)
	}
	if row.Withheld > 0 {
		p.log.Warn("time-lock interval failed: its payment is written off", "execution", u.Execution, "interval", a.Index,
			"verdict", verdict, "reason", row.Reason, "amount", row.Withheld)
		if err := p.cfg.Store.WriteOff(ctx, m.requester, me, row.Withheld, p.now()); err != nil {
			p.log.Error("write off a time-lock interval", "err", err)
		}
	}
	return &a
}
