package sched

import (
	"fmt"
	"strings"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/offer"
)

// ExecutorFilter rejects providers that do not run the job's executor.
type ExecutorFilter struct{}

// Name implements Filter.
func (ExecutorFilter) Name() string { return "executor" }

// Filter implements Filter.
func (ExecutorFilter) Filter(r *Request, o *offer.Offer) Status {
	ex := r.Spec.Executor
	if ex == "" {
		ex = job.ExecutorDocker
	}
	if !o.HasExecutor(ex) {
		return Status{UnschedulableForever, fmt.Sprintf("does not run the %s executor (runs: %s)", ex, strings.Join(o.Executors, ", "))}
	}
	if r.Spec.Network && !o.Network {
		return Status{UnschedulableForever, "job needs network access; provider does not allow it"}
	}
	return Fit
}

// ResourcesFilter rejects providers without enough free CPU, memory or disk.
type ResourcesFilter struct{}

// Name implements Filter.
func (ResourcesFilter) Name() string { return "resources" }

// Filter implements Filter.
func (ResourcesFilter) Filter(r *Request, o *offer.Offer) Status {
	need := r.Spec.Resources
	check := []struct {
		dim               string
		want, free, total int64
		format            func(int64) string
	}{
		{"cpu", int64(need.CPU), int64(o.Free.CPU), int64(o.Total.CPU), func(v int64) string { return job.MilliCPU(v).String() + " cores" }},
		{"memory", int64(need.Memory), int64(o.Free.Memory), int64(o.Total.Memory), func(v int64) string { return job.ByteSize(v).String() }},
		{"disk", int64(need.Disk), int64(o.Free.Disk), int64(o.Total.Disk), func(v int64) string { return job.ByteSize(v).String() }},
	}
	for _, c := range check {
		if c.want <= c.free {
			continue
		}
		code := Unschedulable
		if c.total > 0 && c.want > c.total {
			code = UnschedulableForever
		}
		return Status{code, fmt.Sprintf("%s: needs %s, %s free", c.dim, c.format(c.want), c.format(c.free))}
	}
	return Fit
}

// GPUFilter rejects providers without enough free matching GPUs.
type GPUFilter struct{}

// Name implements Filter.
func (GPUFilter) Name() string { return "gpu" }

// Filter implements Filter.
func (GPUFilter) Filter(r *Request, o *offer.Offer) Status {
	n := r.Spec.Resources.GPUs
	if n == 0 {
		return Fit
	}
	sel := r.Spec.Resources.GPU
	match := 0
	for _, g := range o.GPUs {
		if MatchGPU(sel, g) {
			match++
		}
	}
	if match >= n {
		return Fit
	}
	what := "GPUs"
	if sel.Vendor != "" || sel.Model != "" || sel.MinVRAM > 0 {
		what = fmt.Sprintf("GPUs matching vendor=%q model=%q minVRAM=%s", sel.Vendor, sel.Model, sel.MinVRAM)
	}
	return Status{Unschedulable, fmt.Sprintf("gpu: needs %d %s, %d free", n, what, match)}
}

// MatchGPU reports whether g satisfies sel (vendor exact, model substring
// ignoring case, VRAM at least MinVRAM).
func MatchGPU(sel job.GPUSelector, g offer.GPU) bool {
	if sel.Vendor != "" && !strings.EqualFold(sel.Vendor, g.Vendor) {
		return false
	}
	if sel.Model != "" && !strings.Contains(strings.ToLower(g.Model), strings.ToLower(sel.Model)) {
		return false
	}
	return g.VRAM >= sel.MinVRAM
}

// PriceFilter rejects providers whose price for the task is above the
// job's ceiling.
type PriceFilter struct{}

// Name implements Filter.
func (PriceFilter) Name() string { return "price" }

// Filter implements Filter.
func (PriceFilter) Filter(r *Request, o *offer.Offer) Status {
	max := r.Spec.MaxPricePerHour
	if max == 0 {
		return Fit
	}
	if p := o.Prices.PerHour(r.Spec.Resources); p > max {
		return Status{Unschedulable, fmt.Sprintf("price: %s/h for this task, above the job's maximum %s/h", p, max)}
	}
	return Fit
}

// PriceScorer prefers cheaper providers: 100 for the cheapest feasible, 0
// for the dearest, linear between.
type PriceScorer struct{}

// Name implements Scorer.
func (PriceScorer) Name() string { return "price" }

// Score implements Scorer.
func (PriceScorer) Score(r *Request, o *offer.Offer, all []*offer.Offer) float64 {
	p := o.Prices.PerHour(r.Spec.Resources)
	lo, hi := p, p
	for _, x := range all {
		v := x.Prices.PerHour(r.Spec.Resources)
		lo, hi = min(lo, v), max(hi, v)
	}
	if hi == lo {
		return 100
	}
	return 100 * float64(hi-p) / float64(hi-lo)
}
