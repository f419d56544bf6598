package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/deco-network/deco/internal/data"
	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/jobnet"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/operator"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/telemetry"
	"github.com/deco-network/deco/internal/verify"
	"github.com/deco-network/deco/internal/volume"
)

// Config wires a Provider. Logger and Clock may be nil.
type Config struct {
	Logger    *slog.Logger
	Clock     func() time.Time
	Key       *identity.Key
	Host      *p2p.Host
	Store     *store.Store
	Executors map[string]exec.Executor
	// DataDir holds executions/<id>/{outputs,logs}.
	DataDir string
	// OfferTTL is how long a published offer is valid; it is refreshed at a
	// third of that. Default 60 s.
	OfferTTL time.Duration
	// ResultRetention is how long outputs are kept after an execution ends
	// (default DefaultResultRetention); then they are collected.
	ResultRetention time.Duration
	// DiskCheck is how often a running execution's outputs are measured
	// against its disk request (default 2 s); see checkDisk.
	DiskCheck time.Duration
	// DiskQuota is how executions are held to their disk requests:
	// DiskQuotaAuto (the default when empty), DiskQuotaVolume or
	// DiskQuotaCheck.
	DiskQuota string
	// MaxLogBytes caps what an execution's logs keep and send (default
	// market.MaxLogBytes): output beyond it is dropped, after a line saying
	// so, so a task printing without end cannot fill the disk.
	MaxLogBytes int64
	// InputStallTimeout fails an input download that receives nothing for
	// this long (default 30 s).
	InputStallTimeout time.Duration
	// RequestTimeout is how long a peer has to send the first message of
	// a stream (the request) before the stream is closed
	// (DefaultRequestTimeout when zero): a stream that never sends
	// anything holds nothing for long.
	RequestTimeout time.Duration
	// InputAllowHosts names the hosts url, git and wasm-module inputs may
	// be fetched from although they are this host, on its local network
	// or otherwise refused (see data.Guard): host names, IP addresses or
	// CIDR prefixes. Empty: public addresses only.
	InputAllowHosts []string
	// InputResolver resolves input host names (the system resolver when
	// nil); tests give their own.
	InputResolver data.Resolver
	// Heartbeat is how often running executions tell their requester they
	// are alive (DefaultHeartbeat when zero).
	Heartbeat time.Duration
	// QuoteTTL is how long quotes and the capacity they hold live
	// (DefaultQuoteTTL when zero).
	QuoteTTL time.Duration
	// Published is called with every offer this provider issues (the node
	// also puts it in its own catalog).
	Published func(offer.Offer)
	// CheckOffer, when set, validates every message on the offer topic
	// before it is delivered or forwarded (the node checks the offer's
	// signature): a message it refuses goes no further.
	CheckOffer func([]byte) error
	// Settlement, when set, makes the provider require payment: a deposit
	// covering each deal, vouchers for its usage reports while tasks run.
	// Nil runs tasks free.
	Settlement settle.Settlement
	// Escrow names Settlement's chain and contract ("<chainID>:<address>"),
	// told to requesters in quotes.
	Escrow string
	// UsageInterval is how often running tasks report usage
	// (market.DefaultUsageInterval when zero).
	UsageInterval time.Duration
	// RedeemThreshold is the unredeemed amount on a channel that triggers a
	// redeem (DefaultRedeemThreshold when zero); RedeemPoll is how often
	// channels are checked (DefaultRedeemPoll when zero).
	RedeemThreshold money.Amount
	RedeemPoll      time.Duration
	// JobNet, when set, puts the tasks of jobs with links on their job
	// network, and the offer says so; nil refuses such jobs. Only the
	// docker executor runs linked tasks.
	JobNet *jobnet.Service
	// Forward reports that this node can enter a task's network namespace
	// to reach a service job's ports (nsenter.Unavailable), and the offer
	// says so; false refuses service jobs that declare ports.
	Forward bool
	// PeerRTTs, when set, gives the round-trip times to the node's
	// nearest peers for its offer (offer.Offer.Peers).
	PeerRTTs func() []offer.PeerRTT
	// RevealWait is how long a runner of a verified task waits for the
	// other runners' commitments before revealing anyway
	// (DefaultRevealWait when zero).
	RevealWait time.Duration
	// TamperOutputs, when set, is run on every execution's outputs
	// directory before its digest is taken (tests: a provider that
	// returns a wrong result).
	TamperOutputs func(dir string) error
	// TamperCommitment, when set, replaces the commitment this node sends
	// for a verified execution of job jobID (its own, own, is kept; tests:
	// a runner that copies another runner's commitment).
	TamperCommitment func(jobID string, own verify.Commitment) verify.Commitment
	// Meters, when set, keep the measured use of running executions (the
	// node reads them for its metrics); nil: the provider keeps its own.
	Meters *telemetry.Meters
	// GPUSampler, when set, reads the utilisation and memory of the GPUs
	// assigned to an execution at each sample (telemetry.NvidiaSampler).
	GPUSampler GPUSampler
	// SampleInterval is how often running executions' use is sampled
	// (DefaultSampleInterval, at most the usage interval, when zero).
	SampleInterval time.Duration
	// Metrics observes executions ending and quotes (nil: nothing).
	Metrics *telemetry.Metrics
}

// Provider sells this node's capacity. Create with New, then Run.
type Provider struct {
	cfg   Config
	log   *slog.Logger
	guard *data.Guard // checks every address inputs are fetched from
	now   func() time.Time
	topic *p2p.Topic

	mu         sync.Mutex
	onboarding *Onboarding
	// operator is the node's operator certificate and the operator's
	// latest policy (see operator.go); zero for a node of its own.
	operator operatorState
	// balances reads requesters' token balances (nil without a chain).
	balances *settle.BalanceCache
	ledger   *inventory.Ledger
	seq      uint64
	current  *offer.Offer
	running  map[string]*running
	feeds    map[string]*sender
	// held are the booking reservations held here, by execution (see
	// booking.go).
	held map[string]*held
	// timeLocks are the running executions' proofs of time-lock (see
	// timelock.go).
	timeLocks timeLocks

	// stop ends supervision (not the sandboxes) when the daemon stops.
	stop      context.Context
	stopNow   context.CancelFunc
	wg        sync.WaitGroup
	republish chan struct{}

	payMu  sync.Mutex
	meters map[string]*meter
	paid   chan struct{} // closed and replaced when a voucher arrives
	// writtenOff is what each ended execution left unpaid and the node
	// wrote off, until a late voucher of that execution pays it.
	writtenOff map[string]money.Amount
	redeemMu   sync.Mutex
	// channels caches channel reads for a second (nil without settlement).
	channels *settle.ChannelCache
	// vols makes, opens and removes executions' outputs volumes; byVolume
	// says new executions get one (see setupDisk).
	vols     *volume.Volumes
	byVolume bool
}

type running struct {
	requester string
	// quoteExpires is set while the capacity is only quoted, not dealt.
	quoteExpires time.Time
	cancel       context.CancelFunc
	killed       bool
	// stopErr is set when the provider stopped the execution itself.
	stopErr error
}

// New loads the stored policy (if any) and registers the provider's
// protocols on the host.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.OfferTTL <= 0 {
		cfg.OfferTTL = 60 * time.Second
	}
	if cfg.DiskCheck <= 0 {
		cfg.DiskCheck = 2 * time.Second
	}
	if cfg.MaxLogBytes <= 0 {
		cfg.MaxLogBytes = market.MaxLogBytes
	}
	if cfg.ResultRetention <= 0 {
		cfg.ResultRetention = DefaultResultRetention
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Meters == nil {
		cfg.Meters = telemetry.NewMeters()
	}
	var err error
	p := &Provider{cfg: cfg, log: cfg.Logger, now: cfg.Clock, ledger: inventory.NewLedger(job.Resources{}, nil),
		running: make(map[string]*running), feeds: make(map[string]*sender), held: make(map[string]*held), republish: make(chan struct{}, 1),
		meters: make(map[string]*meter), paid: make(chan struct{}), writtenOff: make(map[string]money.Amount)}
	if cfg.Settlement != nil {
		p.balances = settle.NewBalanceCache(cfg.Settlement, 0, cfg.Clock)
	}
	if p.guard, err = data.NewGuard(data.HostPolicy{Allow: cfg.InputAllowHosts, Resolver: cfg.InputResolver}); err != nil {
		return nil, err
	}
	p.stop, p.stopNow = context.WithCancel(context.Background())
	if cfg.Settlement != nil {
		p.channels = settle.NewChannelCache(cfg.Settlement, 0, cfg.Clock)
	}
	p.vols = volume.New(p.log)
	if err := p.setupDisk(ctx); err != nil {
		return nil, err
	}
	var ob Onboarding
	found, err := cfg.Store.GetSetting(ctx, SettingKey, &ob)
	if err != nil {
		return nil, err
	}
	if found {
		p.setOnboarding(&ob)
	}
	topic, err := cfg.Host.Join(market.OfferTopic, market.MaxOfferSize, cfg.CheckOffer)
	if err != nil {
		return nil, fmt.Errorf("join offer topic: %w", err)
	}
	p.topic = topic
	h := cfg.Host
	h.Handle(p2p.ProtocolID(market.ProtoOffer, 1), 10*time.Second, p.serveOffer)
	h.Handle(p2p.ProtocolID(market.ProtoTask, 1), 0, p.serveTask)
	h.Handle(p2p.ProtocolID(market.ProtoQuote, 1), 10*time.Second, p.serveQuote)
	h.Handle(p2p.ProtocolID(market.ProtoResult, 1), time.Hour, p.serveResult)
	h.Handle(p2p.ProtocolID(market.ProtoCancel, 1), 10*time.Second, p.serveCancel)
	h.Handle(p2p.ProtocolID(market.ProtoForward, 1), 0, p.serveForward)
	h.Handle(p2p.ProtocolID(market.ProtoReveal, 1), 10*time.Second, p.serveReveal)
	h.Handle(p2p.ProtocolID(market.ProtoVerdict, 1), 30*time.Second, p.serveVerdict)
	h.Handle(p2p.ProtocolID(market.ProtoPay, 1), 10*time.Second, p.serveLatePay)
	if err := p.recover(ctx); err != nil {
		return nil, err
	}
	// Attach is served only once recovery has reattached what it can: an
	// earlier attach would find a running record without its feed and
	// wrongly answer "lost" (the requester retries until then).
	h.Handle(p2p.ProtocolID(market.ProtoAttach, 1), 0, p.serveAttach)
	return p, nil
}

// Close stops supervising executions without stopping them: a sandbox that
// can outlive the daemon (a container) is reattached by the next start.
func (p *Provider) Close() error {
	p.stopNow()
	p.wg.Wait()
	p.unmountIdle(context.Background())
	return nil
}

// Topic is the offer gossip topic (the node subscribes to it for its catalog).
func (p *Provider) Topic() *p2p.Topic { return p.topic }

func (p *Provider) setOnboarding(ob *Onboarding) {
	p.onboarding = ob
	if ob == nil {
		p.ledger.SetTotal(job.Resources{}, nil)
		return
	}
	total, gpus := ob.Machine.ShareResources(ob.Policy.Share)
	p.ledger.SetTotal(total, gpus)
}

// Onboarding returns the current policy, or nil when nothing is for sale.
func (p *Provider) Onboarding() *Onboarding {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.onboarding == nil {
		return nil
	}
	ob := *p.onboarding
	return &ob
}

// SetOnboarding checks and stores a new policy and publishes a fresh offer.
func (p *Provider) SetOnboarding(ctx context.Context, ob Onboarding) error {
	if err := ob.Check(); err != nil {
		return err
	}
	if err := p.cfg.Store.PutSetting(ctx, SettingKey, ob); err != nil {
		return err
	}
	p.mu.Lock()
	p.setOnboarding(&ob)
	p.mu.Unlock()
	p.kick()
	return nil
}

// Offboard withdraws the offer: a signed withdrawal is published and no new
// task is admitted. Running tasks finish.
func (p *Provider) Offboard(ctx context.Context) error {
	if err := p.cfg.Store.DeleteSetting(ctx, SettingKey); err != nil {
		return err
	}
	p.mu.Lock()
	p.setOnboarding(nil)
	p.mu.Unlock()
	p.kick()
	return nil
}

func (p *Provider) kick() {
	select {
	case p.republish <- struct{}{}:
	default:
	}
}

// CurrentOffer is the last offer issued (nil when not selling).
func (p *Provider) CurrentOffer() *offer.Offer {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.current == nil || p.current.Withdrawn {
		return nil
	}
	o := *p.current
	return &o
}

// Run publishes the offer at start, on every change and before expiry,
// and collects results past their retention, until ctx ends.
func (p *Provider) Run(ctx context.Context) error {
	collected := make(chan struct{})
	go func() { defer close(collected); p.collectLoop(ctx) }()
	defer func() { <-collected }()
	if p.paying() {
		redeemed := make(chan struct{})
		go func() { defer close(redeemed); p.redeemLoop(ctx) }()
		defer func() { <-redeemed }()
	}
	t := time.NewTicker(p.cfg.OfferTTL / 3)
	defer t.Stop()
	sweep := time.NewTicker(time.Second)
	defer sweep.Stop()
	for {
		if err := p.publish(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("publish offer", "err", err)
		}
		if !p.nextPublish(ctx, t.C, sweep.C) {
			return nil
		}
	}
}

// nextPublish waits until the offer is due again (refresh or change),
// expiring stale quotes meanwhile; false means ctx ended.
func (p *Provider) nextPublish(ctx context.Context, refresh, sweep <-chan time.Time) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case <-refresh:
			return true
		case <-p.republish:
			return true
		case <-sweep:
			p.expireQuotes() // kicks a republish when it frees capacity
		}
	}
}

// issue builds and signs the current offer (or a withdrawal).
func (p *Provider) issue() (*offer.Offer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.seq = max(p.seq+1, uint64(now.UnixNano()))
	o := &offer.Offer{Seq: p.seq, IssuedAt: now, Expires: now.Add(p.cfg.OfferTTL)}
	if p.onboarding == nil {
		if p.current == nil {
			return nil, nil // never sold anything: nothing to withdraw
		}
		o.Withdrawn = true
	} else {
		pol := p.onboarding.Policy
		free, gpus := p.ledger.Free()
		total, _ := p.ledger.Total()
		o.Free, o.Total, o.Prices, o.Region, o.Network = free, total, pol.Prices, pol.Region, pol.AllowNetwork
		o.Validator = pol.Validator
		o.Labels, o.Pool, o.AllowedRequesters = pol.Labels, pol.Pool, pol.AllowedRequesters
		p.operator.stamp(o, p.cfg.Key.PeerID())
		for _, g := range gpus {
			o.GPUs = append(o.GPUs, offer.GPU{Vendor: g.Vendor, Model: g.Model, VRAM: g.VRAM})
		}
		for name := range p.cfg.Executors {
			o.Executors = append(o.Executors, name)
		}
		sort.Strings(o.Executors)
		_, docker := p.cfg.Executors[job.ExecutorDocker]
		o.Links = p.cfg.JobNet != nil && docker
		o.Ports = p.cfg.Forward && docker
		if p.cfg.PeerRTTs != nil {
			o.Peers = p.cfg.PeerRTTs()
		}
	}
	if err := o.Sign(p.cfg.Key); err != nil {
		return nil, err
	}
	p.current = o
	return o, nil
}

func (p *Provider) publish(ctx context.Context) error {
	o, err := p.issue()
	if err != nil || o == nil {
		return err
	}
	if p.cfg.Published != nil {
		p.cfg.Published(*o)
	}
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return p.topic.Publish(ctx, b)
}

// DefaultRequestTimeout is how long a peer has to send its request on a
// stream (the largest, a TaskRequest with an inline wasm module, is 16 MiB).
const DefaultRequestTimeout = 30 * time.Second

// readRequest reads the first message of an inbound stream within the
// request timeout; the read deadline is cleared after it.
func (p *Provider) readRequest(s p2pStream, v any, max int) error {
	_ = s.SetReadDeadline(time.Now().Add(p.cfg.RequestTimeout))
	err := p2p.ReadMsg(s, v, max)
	_ = s.SetReadDeadline(time.Time{})
	return err
}

func (p *Provider) serveOffer(ctx context.Context, s p2pStream) {
	var req struct{}
	if err := p.readRequest(s, &req, market.MaxSmallMsg); err != nil {
		return // OfferReply has no error: the stream closes unanswered
	}
	_ = p2p.WriteMsg(s, market.OfferReply{Offer: p.CurrentOffer()})
}

// execDir is where an execution's outputs and logs live.
func (p *Provider) execDir(id string) string {
	return filepath.Join(p.cfg.DataDir, "executions", id)
}

// recover handles executions left by an earlier run of the daemon: one
// whose sandbox still runs (docker) is reattached and supervised to its
// end, its requester can reattach to it; the others are marked lost (their
// requester retries elsewhere). Sandboxes nobody owns are removed.
func (p *Provider) recover(ctx context.Context) error {
	execs, err := p.cfg.Store.ActiveExecutions(ctx)
	if err != nil {
		return err
	}
	present := map[string]bool{}
	for _, ex := range p.cfg.Executors {
		if rec, ok := ex.(exec.Reconciler); ok {
			ids, err := rec.Running(ctx)
			if err != nil {
				p.log.Warn("list sandboxes", "executor", ex.Name(), "err", err)
			}
			for _, id := range ids {
				present[id] = true
			}
		}
	}
	live := map[string]bool{}
	for _, e := range execs {
		if e.Spec.IsBooking() && p.resumeHeld(ctx, e) {
			// A reservation has no sandbox: its record says it is held.
			// (Executions are in creation order: a booking is taken up
			// before the jobs in it.)
			live[e.ID] = true
			continue
		}
		ex := p.cfg.Executors[e.Spec.Executor]
		if e.State == job.StateRunning && ex != nil && present[e.ID] {
			live[e.ID] = true
			p.reattach(ctx, e, ex)
			continue
		}
		e.State, e.Error, e.UpdatedAt = job.StateLost, "provider restarted during the execution", p.now()
		if err := p.cfg.Store.PutExecution(ctx, e); err != nil {
			return err
		}
		p.log.Warn("execution lost with an earlier run", "execution", e.ID)
	}
	p.reconcileBookings(ctx, execs, live)
	for name, ex := range p.cfg.Executors {
		rec, ok := ex.(exec.Reconciler)
		if !ok {
			continue
		}
		removed, err := rec.RemoveOrphans(ctx, func(id string) bool { return live[id] })
		if err != nil {
			p.log.Warn("remove orphaned sandboxes", "executor", name, "err", err)
			continue
		}
		if len(removed) > 0 {
			p.log.Info("removed orphaned sandboxes", "executor", name, "count", len(removed))
		}
	}
	return nil
}

// reattach supervises an execution started by an earlier run of the daemon.
func (p *Provider) reattach(ctx context.Context, e store.Execution, ex exec.Executor) {
	p.mu.Lock()
	if err := p.reserveOnRestartLocked(e); err != nil {
		p.log.Warn("reattached execution exceeds the current share", "execution", e.ID, "err", err)
	}
	p.running[e.ID] = &running{requester: e.Requester}
	p.mu.Unlock()
	p.resumeMeter(ctx, e.ID, e.UpdatedAt)
	out := p.newFeed(e.ID, job.StateRunning)
	p.log.Info("reattached to an execution of an earlier run", "execution", e.ID, "job", e.JobID)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.supervise(ctx, e, out, func(runCtx context.Context) (exec.Result, error) {
			return p.follow(runCtx, ex, e.ID, out)
		})
	}()
}

var errNotSelling = errors.New("this node is not selling capacity (run deco onboard)")

// admit reserves capacity for a task or says why not.
func (p *Provider) admit(req *market.TaskRequest, requester string) (inventory.Allocation, exec.Executor, error) {
	spec := req.Spec
	if err := spec.Validate(); err != nil {
		return inventory.Allocation{}, nil, fmt.Errorf("invalid spec: %w", err)
	}
	if got := job.Digest(spec); got != req.SpecDigest {
		return inventory.Allocation{}, nil, fmt.Errorf("spec digest %s does not match the spec (%s)", req.SpecDigest, got)
	}
	ex, ok := p.cfg.Executors[spec.Executor]
	if !ok {
		return inventory.Allocation{}, nil, fmt.Errorf("executor %q is not available here", spec.Executor)
	}
	bal := p.readBalance(requester)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.onboarding == nil {
		return inventory.Allocation{}, nil, errNotSelling
	}
	if err := p.admitsLocked(requester, &spec, bal); err != nil {
		return inventory.Allocation{}, nil, err
	}
	if spec.Network.Outbound && !p.onboarding.Policy.AllowNetwork {
		return inventory.Allocation{}, nil, errors.New("network access is not allowed by this provider")
	}
	if n := spec.TaskCount(); req.TaskIndex < 0 || req.TaskIndex >= n {
		return inventory.Allocation{}, nil, fmt.Errorf("task index %d is out of range for a job of %d tasks", req.TaskIndex, n)
	}
	if len(spec.Ports) > 0 && !p.cfg.Forward {
		return inventory.Allocation{}, nil, errors.New("this provider cannot reach a task's ports (it cannot enter network namespaces), so it does not run service jobs with ports")
	}
	if spec.Network.Links {
		if p.cfg.JobNet == nil || spec.Executor != job.ExecutorDocker {
			return inventory.Allocation{}, nil, errors.New("this provider cannot create job networks (links between tasks)")
		}
	}
	if _, dup := p.running[req.ExecutionID]; dup {
		return inventory.Allocation{}, nil, fmt.Errorf("execution %s is already running", req.ExecutionID)
	}
	var alloc inventory.Allocation
	var err error
	if spec.InBooking() {
		alloc, err = p.admitBookedLocked(req.ExecutionID, &spec, requester) // within the booking's capacity
	} else {
		alloc, err = p.ledger.Reserve(req.ExecutionID, spec.Resources)
	}
	if err != nil {
		return alloc, nil, err
	}
	if err := timeLockProvable(spec, alloc); err != nil {
		p.unholdLocked(req.ExecutionID)
		return inventory.Allocation{}, nil, err
	}
	p.running[req.ExecutionID] = &running{requester: requester}
	return alloc, ex, nil
}

// CheckAdmission says whether the node's policies (the owner's allow-list,
// the operator's groups and specs) let requester run spec here; quotes and
// tasks are admitted by the same check.
func (p *Provider) CheckAdmission(requester string, spec job.Spec) error {
	bal := p.readBalance(requester)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.onboarding == nil {
		return errNotSelling
	}
	return p.admitsLocked(requester, &spec, bal)
}

func (p *Provider) admitsLocked(requester string, spec *job.Spec, bal operator.BalanceOf) error {
	if allowed := p.onboarding.Policy.AllowedRequesters; len(allowed) > 0 && !slices.Contains(allowed, requester) {
		return errors.New("this node serves only the requesters of its pool")
	}
	return p.operator.admit(p.cfg.Key.PeerID(), requester, spec, bal)
}

// release frees an execution's capacity, whether it ran or was only
// reserved for a quote, and republishes the offer.
func (p *Provider) release(id string) {
	p.mu.Lock()
	delete(p.running, id)
	p.unholdLocked(id)
	p.mu.Unlock()
	p.kick()
}

// Running is the number of executions in progress.
func (p *Provider) Running() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.running)
}
