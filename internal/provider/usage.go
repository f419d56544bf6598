package provider

import (
	"context"
	"errors"
	"time"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/telemetry"
)

// Telemetry, the provider's side: while an execution runs its use is
// sampled every SampleInterval (from its executor, and from nvidia-smi for
// its GPUs), each sample kept in the stats store and folded into the
// totals its usage reports sign.

// DefaultSampleInterval is how often a running execution's use is sampled.
const DefaultSampleInterval = 2 * time.Second

// useSampler is an executor that can read an execution's use
// (exec/docker); an executor without it reports none.
type useSampler interface {
	Sample(ctx context.Context, executionID string) (telemetry.Sample, error)
}

// GPUSampler reads the state of GPUs by UUID (telemetry.NvidiaSampler).
type GPUSampler interface {
	Sample(ctx context.Context, uuids []string) ([]telemetry.GPUReading, error)
}

func (p *Provider) sampleInterval() time.Duration {
	d := p.cfg.SampleInterval
	if d <= 0 {
		d = min(DefaultSampleInterval, p.usageInterval())
	}
	return d
}

// sampleUse samples a running execution once, keeps the sample and folds
// it into the execution's totals.
func (p *Provider) sampleUse(ctx context.Context, rec store.Execution) {
	us, ok := p.cfg.Executors[rec.Spec.Executor].(useSampler)
	if !ok {
		p.sampleTimeLock(ctx, rec, 0)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, p.sampleInterval())
	defer cancel()
	s, err := us.Sample(ctx, rec.ID)
	if err != nil {
		if !errors.Is(err, exec.ErrNotFound) { // not started yet, or ended
			p.cfg.Metrics.Sampled(err)
			p.log.Debug("sample use", "execution", rec.ID, "err", err)
		}
		p.sampleTimeLock(ctx, rec, 0) // a booking reservation runs no sandbox
		return
	}
	defer p.sampleTimeLock(ctx, rec, s.CPU)
	p.mu.Lock()
	alloc, _ := p.ledger.Allocation(rec.ID)
	p.mu.Unlock()
	if len(alloc.GPUs) > 0 && alloc.Vendor == job.VendorNVIDIA && p.cfg.GPUSampler != nil {
		gpus, err := p.cfg.GPUSampler.Sample(ctx, alloc.GPUs)
		if err != nil {
			p.cfg.Metrics.Sampled(err)
			p.log.Warn("sample GPU use", "execution", rec.ID, "err", err)
		}
		s.GPUs = gpus
	}
	p.cfg.Metrics.Sampled(nil)
	t := p.cfg.Meters.Add(rec.ID, s)
	row := store.UsageSample{Execution: rec.ID, JobID: rec.JobID, TaskIndex: rec.TaskIndex, At: s.At,
		CPUMillis: uint64(t.CPU / time.Millisecond), Memory: s.Memory, MemoryPeak: t.MemoryPeak, GPUMillis: uint64(t.GPU / time.Millisecond)}
	for _, g := range s.GPUs {
		row.GPUUtilization += g.Utilization / float64(len(s.GPUs))
		row.GPUMemory += g.Memory
	}
	if err := p.cfg.Store.PutUsageSample(context.WithoutCancel(ctx), row); err != nil {
		p.log.Warn("store usage sample", "execution", rec.ID, "err", err)
	}
}

// sampleEnd samples an execution whose sandbox has ended and is not yet
// removed.
func (p *Provider) sampleEnd(ctx context.Context, id string) {
	if rec, err := p.cfg.Store.GetExecution(ctx, id); err == nil {
		p.sampleUse(ctx, rec)
	}
}

// useOf is an execution's measured use so far, as its next usage report
// states it.
func (p *Provider) useOf(id string) market.Use {
	t := p.cfg.Meters.Totals(id)
	return market.Use{CPUMillis: uint64(t.CPU / time.Millisecond), MemoryPeak: t.MemoryPeak,
		GPUMillis: uint64(t.GPU / time.Millisecond), GPUMemoryPeak: t.GPUMemoryPeak}
}

// seedUse starts a reattached execution's meter from its last report.
func (p *Provider) seedUse(id string, u market.Use) {
	p.cfg.Meters.Seed(id, telemetry.Totals{CPU: time.Duration(u.CPUMillis) * time.Millisecond, MemoryPeak: u.MemoryPeak,
		GPU: time.Duration(u.GPUMillis) * time.Millisecond, GPUMemoryPeak: u.GPUMemoryPeak})
}

// endUse forgets an ended execution's meter and records its run time.
func (p *Provider) endUse(rec store.Execution, res exec.Result) {
	p.cfg.Meters.End(rec.ID)
	p.endTimeLock(rec.ID)
	if !res.StartedAt.IsZero() && res.FinishedAt.After(res.StartedAt) {
		p.cfg.Metrics.ExecutionEnded(rec.Spec.Executor, string(rec.State), res.FinishedAt.Sub(res.StartedAt))
	}
}
