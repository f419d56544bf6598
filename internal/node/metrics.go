package node

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/deco-network/deco/internal/store"
)

// metrics are the node's own Prometheus series (registered on the node's
// registry, never the global one).
type metrics struct {
	offers        prometheus.Gauge
	offersDropped prometheus.Counter
	jobStates     *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		offers: prometheus.NewGauge(prometheus.GaugeOpts{Name: "deco_catalog_offers",
			Help: "Offers held in the catalog."}),
		offersDropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "deco_offers_dropped_total",
			Help: "Offers refused: malformed, forged, expired or from the wrong gossip origin."}),
		jobStates: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deco_job_transitions_total",
			Help: "Job state transitions on this requester, by new state."}, []string{"state"}),
	}
	reg.MustRegister(m.offers, m.offersDropped, m.jobStates)
	return m
}

func (m *metrics) jobChanged(j store.Job) { m.jobStates.WithLabelValues(string(j.State)).Inc() }
