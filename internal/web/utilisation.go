package web

import (
	"context"
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/store"
)

// UtilisationBackend is what the provider page's utilisation chart needs
// beyond api.Backend: the executions this node ran as a provider at some
// time in [from, to) and their usage samples summed by step (see
// store.UsageSummaries). A Backend without it shows no chart.
type UtilisationBackend interface {
	Utilisation(ctx context.Context, from, to time.Time, step time.Duration) ([]store.ExecutionSpan, []store.UsageSummary, error)
}

// utilSpan is a window the utilisation chart offers, and its step: at
// most maxSteps points whatever the number of executions.
type utilSpan struct {
	Name       string
	Span, Step time.Duration
	// Per names the step, for the chart's title.
	Per string
}

// utilSpans are the windows of the chart; the first is the default.
var utilSpans = []utilSpan{
	{"24h", 24 * time.Hour, 15 * time.Minute, "15 minutes"},
	{"1h", time.Hour, time.Minute, "minute"},
	{"7d", 7 * 24 * time.Hour, 2 * time.Hour, "2 hours"},
}

// spanOf is the window named name, or the default.
func spanOf(name string) utilSpan {
	for _, s := range utilSpans {
		if s.Name == name {
			return s
		}
	}
	return utilSpans[0]
}

// utilView is the provider page's utilisation chart and what it is drawn
// from.
type utilView struct {
	Span  string
	Spans []string
	Chart *chart
	// Measured and Reserved count the executions drawn from their usage
	// samples and, having none in the window, from the resources they
	// reserved.
	Measured, Reserved int
}

// utilBuckets accumulates, for each step of a window, the share's use in
// resource-milliseconds: CPU core-ms, memory byte-ms and GPU-ms.
type utilBuckets struct {
	from     time.Time
	step     time.Duration
	cpu      []float64
	mem, gpu []float64
}

func newUtilBuckets(from time.Time, step time.Duration, n int) *utilBuckets {
	return &utilBuckets{from: from, step: step, cpu: make([]float64, n), mem: make([]float64, n), gpu: make([]float64, n)}
}

// add puts use measured over a span that ended in step i into step i:
// cpuMS core-milliseconds, memory bytes and gpus GPUs busy over spanMS.
func (b *utilBuckets) add(i int, cpuMS, memory, gpus, spanMS float64) {
	if i < 0 || i >= len(b.cpu) || spanMS <= 0 && cpuMS <= 0 {
		return
	}
	b.cpu[i] += cpuMS
	b.mem[i] += memory * spanMS
	b.gpu[i] += gpus * spanMS
}

// hold spreads a reservation held over [start, end) over the steps it
// overlaps: cores, memory bytes and GPUs for each millisecond.
func (b *utilBuckets) hold(start, end time.Time, cores, memory, gpus float64) {
	if !start.Before(end) {
		return
	}
	for i := max(0, int(start.Sub(b.from)/b.step)); i < len(b.cpu); i++ {
		s := b.from.Add(time.Duration(i) * b.step)
		e := s.Add(b.step)
		if !s.Before(end) {
			break
		}
		ms := float64(earliest(e, end).Sub(latest(s, start))) / float64(time.Millisecond)
		if ms > 0 {
			b.cpu[i] += cores * ms
			b.mem[i] += memory * ms
			b.gpu[i] += gpus * ms
		}
	}
}

// utilisation draws the share used over [from, from+n×step) as percent of
// share, step by step: from the usage samples of the executions that have
// some in the window (CPU time, memory and GPU utilisation measured), and
// from the resources reserved by those that have none (a wasm task, or
// samples removed with the result). A step's figure is its mean over the
// part of it up to now; steps after now have none.
func utilisation(share inventory.Share, execs []store.ExecutionSpan, sums []store.UsageSummary, from time.Time, step time.Duration, n int, now time.Time) (c *chart, measured, reserved int) {
	b := newUtilBuckets(from, step, n)
	byID := make(map[string]*store.ExecutionSpan, len(execs))
	for i := range execs {
		byID[execs[i].ID] = &execs[i]
	}
	sampled := map[string]bool{}
	for i, u := range sums {
		e := byID[u.Execution]
		var gpus float64
		if e != nil {
			gpus = float64(e.Resources.GPUs)
		}
		// A step's span runs from the execution's previous sample (its
		// last in the step before), or for its first step from its start
		// when it started in the window (the CPU counter starts at zero),
		// else from the step's first sample.
		startAt, cpu0 := u.First, u.CPUMin
		if i > 0 && sums[i-1].Execution == u.Execution {
			startAt, cpu0 = sums[i-1].Last, sums[i-1].CPUMax
		} else if e != nil && !e.CreatedAt.Before(from) && e.CreatedAt.Before(u.First) {
			startAt, cpu0 = e.CreatedAt, 0
		}
		spanMS := float64(u.Last.Sub(startAt)) / float64(time.Millisecond)
		b.add(u.Step, float64(u.CPUMax-min(cpu0, u.CPUMax)), u.Memory, gpus*u.GPUUtilization/100, spanMS)
		sampled[u.Execution] = true
	}
	measured = len(sampled)
	to := from.Add(time.Duration(n) * step)
	for i := range execs {
		e := &execs[i]
		if sampled[e.ID] {
			continue
		}
		end := now
		if e.State.Terminal() {
			end = earliest(e.UpdatedAt, now)
		}
		start, end := latest(e.CreatedAt, from), earliest(end, to)
		if !start.Before(end) {
			continue
		}
		reserved++
		r := e.Resources
		b.hold(start, end, float64(r.CPU)/1000, float64(r.Memory), float64(r.GPUs))
	}
	c = &chart{Title: "Share used (% of the share)", Time: true,
		Series: []series{{Label: "CPU (%)"}, {Label: "memory (%)"}}}
	if len(share.GPUs) > 0 {
		c.Series = append(c.Series, series{Label: "GPU (%)"})
	}
	pct := func(used, total, ms float64) *float64 {
		if total <= 0 {
			return nil
		}
		return ptr(100 * used / (total * ms))
	}
	for i := range n {
		s := from.Add(time.Duration(i) * step)
		c.X = append(c.X, float64(s.Unix()))
		ms := float64(min(step, now.Sub(s))) / float64(time.Millisecond)
		if ms <= 0 {
			for j := range c.Series {
				c.Series[j].Values = append(c.Series[j].Values, nil)
			}
			continue
		}
		c.Series[0].Values = append(c.Series[0].Values, pct(b.cpu[i], float64(share.CPU)/1000, ms))
		c.Series[1].Values = append(c.Series[1].Values, pct(b.mem[i], float64(share.Memory), ms))
		if len(share.GPUs) > 0 {
			c.Series[2].Values = append(c.Series[2].Values, pct(b.gpu[i], float64(len(share.GPUs)), ms))
		}
	}
	return c, measured, reserved
}

// utilisationView reads and draws the window named span ending now.
func (d *Dashboard) utilisationView(ctx context.Context, share inventory.Share, span string) *utilView {
	ub, ok := d.b.(UtilisationBackend)
	if !ok {
		return nil
	}
	w := spanOf(span)
	v := &utilView{Span: w.Name}
	for _, s := range utilSpans {
		v.Spans = append(v.Spans, s.Name)
	}
	now := d.now().UTC()
	n := int(w.Span / w.Step)
	// Steps are aligned on the step; the last holds now.
	from := now.Truncate(w.Step).Add(w.Step - time.Duration(n)*w.Step)
	execs, sums, err := ub.Utilisation(ctx, from, from.Add(time.Duration(n)*w.Step), w.Step)
	if err != nil {
		d.log.Warn("utilisation", "err", err)
		return nil
	}
	v.Chart, v.Measured, v.Reserved = utilisation(share, execs, sums, from, w.Step, n, now)
	v.Chart.Title = fmt.Sprintf("Share used over the last %s (%% of the share, mean by %s)", w.Name, w.Per)
	return v
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
