package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the series a node observes as things happen (executions
// ending, quotes, placements); series read from state at scrape time are
// the node's collectors. A nil *Metrics observes nothing.
type Metrics struct {
	executionDuration *prometheus.HistogramVec
	quotes            *prometheus.CounterVec
	placementLatency  prometheus.Histogram
	placements        *prometheus.CounterVec
	usageSamples      *prometheus.CounterVec
}

// Outcomes of a quote request on the provider (Metrics.Quoted).
const (
	QuoteIssued  = "issued"
	QuoteRefused = "refused"
)

// Outcomes of a placement on the requester (Metrics.Placed).
const (
	PlacementPlaced    = "placed"
	PlacementQueued    = "queued"
	PlacementFailed    = "failed"
	PlacementCancelled = "cancelled"
)

// NewMetrics makes the series and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		executionDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "deco_execution_duration_seconds",
			Help:    "Run time of executions this provider ran, from sandbox start to end, by executor and final state.",
			Buckets: prometheus.ExponentialBuckets(0.25, 2, 16)}, []string{"executor", "state"}),
		quotes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deco_quotes_total",
			Help: "Quote requests this provider answered, by outcome (issued, refused)."}, []string{"outcome"}),
		placementLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "deco_placement_seconds",
			Help:    "Time from a job (or task) waiting for a provider to a provider accepting it, on this requester.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 16)}),
		placements: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deco_placements_total",
			Help: "Placements on this requester by outcome: placed (a provider accepted), queued (none fits now), failed, cancelled."}, []string{"outcome"}),
		usageSamples: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deco_usage_samples_total",
			Help: "Samples this provider took of its executions' use, by result (ok, error)."}, []string{"result"}),
	}
	reg.MustRegister(m.executionDuration, m.quotes, m.placementLatency, m.placements, m.usageSamples)
	return m
}

// ExecutionEnded records an execution that ran for d (zero: it never
// started, and is not recorded).
func (m *Metrics) ExecutionEnded(executor, state string, d time.Duration) {
	if m == nil || d <= 0 {
		return
	}
	m.executionDuration.WithLabelValues(executor, state).Observe(d.Seconds())
}

// Quoted records the answer to one quote request.
func (m *Metrics) Quoted(issued bool) {
	if m == nil {
		return
	}
	outcome := QuoteRefused
	if issued {
		outcome = QuoteIssued
	}
	m.quotes.WithLabelValues(outcome).Inc()
}

// Placed records a placement outcome; latency counts for PlacementPlaced.
func (m *Metrics) Placed(outcome string, latency time.Duration) {
	if m == nil {
		return
	}
	m.placements.WithLabelValues(outcome).Inc()
	if outcome == PlacementPlaced {
		m.placementLatency.Observe(max(latency, 0).Seconds())
	}
}

// Sampled records one sample of an execution's use (err: it failed).
func (m *Metrics) Sampled(err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.usageSamples.WithLabelValues(result).Inc()
}
