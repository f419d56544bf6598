package web

import (
	"cmp"
	"slices"
	"time"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/operator"
)

// chart is the data of one uPlot chart, embedded in its page as JSON and
// drawn by assets/app.js.
type chart struct {
	Title string `json:"title"`
	// Time: X are Unix seconds.
	Time   bool      `json:"time"`
	Bars   bool      `json:"bars"`
	X      []float64 `json:"x"`
	Series []series  `json:"series"`
}

type series struct {
	Label  string     `json:"label"`
	Values []*float64 `json:"values"`
	// Axis 1 puts the series on a second y axis (right).
	Axis int `json:"axis,omitempty"`
}

func ptr(f float64) *float64 { return &f }

// usageChart draws a job's CPU (cores in use) and memory (MiB) over time:
// from the provider's samples where this node has them, else from the
// signed usage reports (cumulative CPU time and memory peak).
func usageChart(u api.JobUsage) *chart {
	c := &chart{Title: "CPU and memory", Time: true,
		Series: []series{{Label: "CPU (cores)"}, {Label: "memory (MiB)", Axis: 1}}}
	for _, e := range u.Executions {
		if len(e.Samples) > 1 {
			for i, s := range e.Samples {
				c.X = append(c.X, float64(s.At.UnixMilli())/1000)
				var cores *float64
				if i > 0 {
					prev := e.Samples[i-1]
					if dt := s.At.Sub(prev.At).Milliseconds(); dt > 0 {
						cores = ptr(float64(s.CPUMillis-min(prev.CPUMillis, s.CPUMillis)) / float64(dt))
					}
				}
				c.Series[0].Values = append(c.Series[0].Values, cores)
				c.Series[1].Values = append(c.Series[1].Values, ptr(float64(s.Memory)/(1<<20)))
			}
			continue
		}
		for i, r := range e.Reports {
			c.X = append(c.X, float64(r.At.UnixMilli())/1000)
			var cores *float64
			if i > 0 {
				prev := e.Reports[i-1].Report
				if dt := r.Report.RunMillis - min(prev.RunMillis, r.Report.RunMillis); dt > 0 {
					cores = ptr(float64(r.Report.CPUMillis-min(prev.CPUMillis, r.Report.CPUMillis)) / float64(dt))
				}
			} else if r.Report.RunMillis > 0 {
				cores = ptr(float64(r.Report.CPUMillis) / float64(r.Report.RunMillis))
			}
			c.Series[0].Values = append(c.Series[0].Values, cores)
			c.Series[1].Values = append(c.Series[1].Values, ptr(float64(r.Report.MemoryPeak)/(1<<20)))
		}
	}
	if len(c.X) == 0 {
		return nil
	}
	sortChart(c)
	return c
}

// sortChart orders a time chart's points by time (executions' series are
// appended one after the other).
func sortChart(c *chart) {
	idx := make([]int, len(c.X))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(c.X[a], c.X[b]) })
	x := make([]float64, len(idx))
	for i, k := range idx {
		x[i] = c.X[k]
	}
	c.X = x
	for si := range c.Series {
		v := make([]*float64, len(idx))
		for i, k := range idx {
			v[i] = c.Series[si].Values[k]
		}
		c.Series[si].Values = v
	}
}

// dayChart draws billing lines keyed by day (operator.ByDay) over days
// days from from: the amount due and paid each day, zero where none.
func dayChart(from time.Time, days int, lines []operator.Line, label string) *chart {
	byDay := map[string]operator.Line{}
	for _, l := range lines {
		byDay[l.Key] = l
	}
	c := &chart{Title: label + " by day", Time: true, Bars: true,
		Series: []series{{Label: "due (DECO)"}, {Label: "paid (DECO)"}}}
	for i := range days {
		day := from.Add(time.Duration(i) * 24 * time.Hour)
		l := byDay[day.Format(time.DateOnly)]
		c.X = append(c.X, float64(day.Unix()))
		c.Series[0].Values = append(c.Series[0].Values, ptr(decimal(l.Due)))
		c.Series[1].Values = append(c.Series[1].Values, ptr(decimal(l.Paid)))
	}
	return c
}

// decimal is an amount in whole tokens.
func decimal(a money.Amount) float64 { return float64(a) / float64(money.Unit) }

// offerBar is one offer's row of the offers chart, drawn as inline SVG:
// free and total CPU as bars on one scale, the CPU price as a bar on
// another (widths in pixels of barWidth).
type offerBar struct {
	Node, Label        string
	Free, Total, Price string
	FreeW, TotalW      int
	PriceW             int
}

// barWidth is the widest bar of the offers chart, in pixels.
const barWidth = 320

// offersChart draws each offer's free and total CPU (cores) and its CPU
// price per core-hour, scaled to the largest of each.
func offersChart(offers []offer.Offer) []offerBar {
	var maxCPU job.MilliCPU
	var maxPrice money.Amount
	for _, o := range offers {
		maxCPU, maxPrice = max(maxCPU, o.Total.CPU, o.Free.CPU), max(maxPrice, o.Prices.CPUHour)
	}
	scale := func(v, top float64) int {
		if top <= 0 {
			return 0
		}
		return int(v / top * barWidth)
	}
	var out []offerBar
	for _, o := range offers {
		label := o.Node
		if len(label) > 8 {
			label = "…" + label[len(label)-8:]
		}
		if o.Region != "" {
			label += " " + o.Region
		}
		out = append(out, offerBar{Node: o.Node, Label: label, Free: o.Free.CPU.String(), Total: o.Total.CPU.String(), Price: o.Prices.CPUHour.String(),
			FreeW: scale(float64(o.Free.CPU), float64(maxCPU)), TotalW: scale(float64(o.Total.CPU), float64(maxCPU)),
			PriceW: scale(float64(o.Prices.CPUHour), float64(maxPrice))})
	}
	return out
}
