package node

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/telemetry"
)

// metrics are the node's own Prometheus series (registered on the node's
// registry, never the global one): counters the node bumps itself, the
// event series of telemetry.Metrics it hands to its provider, and a
// collector that reads the rest from the node's state at each scrape.
type metrics struct {
	offers         prometheus.Gauge
	offersDropped  prometheus.Counter
	offersReceived prometheus.Counter
	jobStates      *prometheus.CounterVec
	// events are observed by the provider and by jobChanged.
	events *telemetry.Metrics
	// meters hold the provider's running executions' measured use.
	meters *telemetry.Meters

	placeMu sync.Mutex
	// placing: jobs (and task rows) waiting for a provider since the
	// time held, or placed (zero time) until they end.
	placing map[string]placing
}

type placing struct {
	since  time.Time
	queued bool
	placed bool
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		offers: prometheus.NewGauge(prometheus.GaugeOpts{Name: "deco_catalog_offers",
			Help: "Offers held in the catalog."}),
		offersDropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "deco_offers_dropped_total",
			Help: "Offers refused: malformed, forged, expired or from the wrong gossip origin."}),
		offersReceived: prometheus.NewCounter(prometheus.CounterOpts{Name: "deco_gossip_offers_received_total",
			Help: "Offers delivered by the gossip topic (after validation)."}),
		jobStates: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deco_job_transitions_total",
			Help: "Job state transitions on this requester, by new state."}, []string{"state"}),
		events:  telemetry.NewMetrics(reg),
		meters:  telemetry.NewMeters(),
		placing: map[string]placing{},
	}
	reg.MustRegister(m.offers, m.offersDropped, m.offersReceived, m.jobStates)
	return m
}

// jobChanged counts a job's transition and follows its placement: from
// waiting for a provider (pending, queued) to one accepting it
// (preparing), or to its end without one.
func (m *metrics) jobChanged(j store.Job) {
	m.jobStates.WithLabelValues(string(j.State)).Inc()
	m.placeMu.Lock()
	defer m.placeMu.Unlock()
	p, known := m.placing[j.ID]
	switch {
	case j.State == job.StatePending || j.State == job.StateQueued:
		if !known || p.placed {
			p = placing{since: j.UpdatedAt}
		}
		if j.State == job.StateQueued && !p.queued {
			p.queued = true
			m.events.Placed(telemetry.PlacementQueued, 0)
		}
		m.placing[j.ID] = p
	case j.State.Terminal():
		delete(m.placing, j.ID)
		if known && !p.placed && j.State != job.StateCompleted {
			outcome := telemetry.PlacementFailed
			if j.State == job.StateCancelled {
				outcome = telemetry.PlacementCancelled
			}
			m.events.Placed(outcome, 0)
		}
	case j.State == job.StatePreparing || j.State == job.StateRunning || j.State == job.StateVerifying:
		if known && p.placed {
			return
		}
		if j.Provider == "" {
			// A multi-task job's own row: its tasks' rows count the
			// placements.
			m.placing[j.ID] = placing{placed: true}
			return
		}
		since := j.CreatedAt // a first attempt: the submit is not announced
		if known {
			since = p.since
		}
		m.events.Placed(telemetry.PlacementPlaced, j.UpdatedAt.Sub(since))
		m.placing[j.ID] = placing{placed: true}
	}
}

// stateCollector reads the node's state at each scrape: jobs and
// executions by state, usage reports, capacity and use, the running
// executions' measured use and GPUs, peers, payments and channels.
type stateCollector struct {
	n        *Node
	channels *settle.ChannelCache // nil without settlement

	jobs, executions, usageReports, running                   *prometheus.Desc
	capacity, free, used                                      *prometheus.Desc
	execMemory, execCPU, execGPU, gpuUtil, gpuMemory          *prometheus.Desc
	peers, earned, redeemed, spent, writtenOff                *prometheus.Desc
	channelVouchered, channelRedeemed, channelBalance, errors *prometheus.Desc
}

// collectTimeout bounds one scrape's reads (store, chain).
const collectTimeout = 5 * time.Second

func newStateCollector(n *Node) *stateCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	c := &stateCollector{n: n,
		jobs:             d("deco_jobs", "Jobs on this requester by state (a multi-task job counts once).", "state"),
		executions:       d("deco_executions", "Executions this provider ran or runs, by state.", "state"),
		usageReports:     d("deco_usage_reports_total", "Usage reports kept: sent as a provider, accepted as a requester.", "role"),
		running:          d("deco_executions_running", "Executions in progress on this provider (quoted capacity included)."),
		capacity:         d("deco_resource_capacity", "Resources this provider offers in all (cpu in cores, memory and disk in bytes, gpus).", "resource"),
		free:             d("deco_resource_free", "Resources this provider has free now.", "resource"),
		used:             d("deco_resource_used", "Resources held by this provider's executions and quotes now.", "resource"),
		execMemory:       d("deco_execution_memory_bytes", "Memory used by this provider's running executions at their latest sample."),
		execCPU:          d("deco_execution_cpu_seconds_total", "CPU time of the executions this provider sampled since it started."),
		execGPU:          d("deco_execution_gpu_seconds_total", "GPU busy time (utilisation times time) of the executions this provider sampled since it started."),
		gpuUtil:          d("deco_gpu_utilization_ratio", "Utilisation of each GPU running an execution, at its latest sample (0 to 1).", "gpu"),
		gpuMemory:        d("deco_gpu_memory_used_bytes", "GPU memory in use on each GPU running an execution, at its latest sample.", "gpu"),
		peers:            d("deco_peers", "Peers with a live connection."),
		earned:           d("deco_earned_deco", "DECO vouchered to this provider by requesters, in all."),
		redeemed:         d("deco_redeemed_deco", "DECO this provider redeemed on chain, in all."),
		writtenOff:       d("deco_written_off_deco", "DECO of usage this provider reported and wrote off unpaid."),
		spent:            d("deco_spent_deco", "DECO this requester vouchered to providers, in all."),
		channelVouchered: d("deco_channel_vouchered_deco", "The latest voucher's cumulative amount on each payment channel.", "role", "requester", "provider"),
		channelRedeemed:  d("deco_channel_redeemed_deco", "What of each channel's vouchers was redeemed.", "role", "requester", "provider"),
		channelBalance:   d("deco_channel_balance_deco", "Each channel's deposit on the escrow, not yet paid or withdrawn (read from the chain).", "role", "requester", "provider"),
		errors:           d("deco_collect_errors", "Reads that failed in this scrape (store, chain)."),
	}
	if s := n.Settlement(); s != nil {
		c.channels = settle.NewChannelCache(s, 10*time.Second, n.cfg.Clock)
	}
	return c
}

// Describe sends every series' description.
func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.jobs, c.executions, c.usageReports, c.running, c.capacity, c.free, c.used,
		c.execMemory, c.execCPU, c.execGPU, c.gpuUtil, c.gpuMemory, c.peers, c.earned, c.redeemed, c.writtenOff, c.spent,
		c.channelVouchered, c.channelRedeemed, c.channelBalance, c.errors} {
		ch <- d
	}
}

func deco(a money.Amount) float64 { return float64(a) / float64(money.Unit) }

// Collect reads the node's state.
func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), collectTimeout)
	defer cancel()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	errs := 0
	n := c.n
	if counts, err := n.store.Counts(ctx); err != nil {
		errs++
	} else {
		for _, s := range []job.State{job.StatePending, job.StateQueued, job.StatePreparing, job.StateRunning, job.StateVerifying,
			job.StateCompleted, job.StateFailed, job.StateCancelled, job.StateLost} {
			gauge(c.jobs, float64(counts.Jobs[string(s)]), string(s))
			gauge(c.executions, float64(counts.Executions[string(s)]), string(s))
		}
		for _, r := range []store.Role{store.RoleProvider, store.RoleRequester} {
			counter(c.usageReports, float64(counts.UsageReports[string(r)]), string(r))
		}
	}
	gauge(c.running, float64(n.provider.Running()))
	var total, free job.Resources
	if o := n.provider.CurrentOffer(); o != nil {
		total, free = o.Total, o.Free
	}
	for _, r := range []struct {
		name        string
		total, free float64
	}{
		{"cpu", total.CPU.Cores(), free.CPU.Cores()},
		{"memory", float64(total.Memory), float64(free.Memory)},
		{"disk", float64(total.Disk), float64(free.Disk)},
		{"gpus", float64(total.GPUs), float64(free.GPUs)},
	} {
		gauge(c.capacity, r.total, r.name)
		gauge(c.free, r.free, r.name)
		gauge(c.used, r.total-r.free, r.name)
	}
	now := n.metrics.meters.Now()
	gauge(c.execMemory, float64(now.Memory))
	counter(c.execCPU, now.CPU.Seconds())
	counter(c.execGPU, now.GPU.Seconds())
	for _, g := range now.GPUs {
		gauge(c.gpuUtil, g.Utilization/100, g.UUID)
		gauge(c.gpuMemory, float64(g.Memory), g.UUID)
	}
	peers := 0
	for _, p := range n.host.Peers() {
		if p.Connected {
			peers++
		}
	}
	gauge(c.peers, float64(peers))
	errs += c.collectChannels(ctx, gauge, counter)
	gauge(c.errors, float64(errs))
}

// collectChannels reads the payment channels of both roles.
func (c *stateCollector) collectChannels(ctx context.Context, gauge, counter func(*prometheus.Desc, float64, ...string)) int {
	errs := 0
	var earned, redeemed, writtenOff, spent money.Amount
	for _, role := range []store.Role{store.RoleProvider, store.RoleRequester} {
		chs, err := c.n.store.PayChannels(ctx, role)
		if err != nil {
			errs++
			continue
		}
		for _, ch := range chs {
			req, prov := ch.Requester.String(), ch.Provider.String()
			gauge(c.channelVouchered, deco(ch.Latest.Cumulative), string(role), req, prov)
			gauge(c.channelRedeemed, deco(ch.Redeemed), string(role), req, prov)
			if role == store.RoleProvider {
				earned, redeemed, writtenOff = earned+ch.Latest.Cumulative, redeemed+ch.Redeemed, writtenOff+ch.WrittenOff
			} else {
				spent += ch.Latest.Cumulative
			}
			if c.channels == nil {
				continue
			}
			if on, err := c.channels.Channel(ctx, ch.Requester, ch.Provider); err != nil {
				errs++
			} else {
				gauge(c.channelBalance, deco(on.Balance), string(role), req, prov)
			}
		}
	}
	counter(c.earned, deco(earned))
	counter(c.redeemed, deco(redeemed))
	gauge(c.writtenOff, deco(writtenOff))
	counter(c.spent, deco(spent))
	return errs
}
