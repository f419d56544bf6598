// Package requester is the buying side of a node: it validates and places
// jobs on providers from the catalog, sends each task over the task
// protocol, tracks its state and logs, fetches and checks its outputs, and
// keeps the job history in the store.
package requester

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/data"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/operator"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/reputation"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// Config wires a Requester. Logger, Clock and Scheduler may be nil.
type Config struct {
	Logger  *slog.Logger
	Clock   func() time.Time
	Host    *p2p.Host
	Store   *store.Store
	Catalog *offer.Catalog
	// Key signs deals and result grants.
	Key *identity.Key
	// HeartbeatTimeout is how long a provider may stay silent during an
	// execution before it is declared lost (DefaultHeartbeatTimeout).
	HeartbeatTimeout time.Duration
	// QuoteCount is how many providers are asked for quotes
	// (DefaultQuoteCount when zero).
	QuoteCount int
	Scheduler  *sched.Scheduler
	// DataDir holds jobs/<id>/{logs,outputs}.
	DataDir string
	// MaxOutputFiles caps the files of one result (default 100,000).
	MaxOutputFiles int
	// OnChange, when set, is called after every job state change.
	OnChange func(store.Job)
	// Settlement, when set, pays providers that require payment (see
	// pay.go); nil takes only providers that run tasks free.
	Settlement settle.Settlement
	// Escrow names Settlement's chain and contract ("<chainID>:<address>").
	Escrow string
	// UsageInterval is the providers' usage report interval, one interval
	// being the slack allowed on a report's run time
	// (market.DefaultUsageInterval when zero).
	UsageInterval time.Duration
	// AutoDeposit, when positive, is deposited on a provider's channel
	// (or the shortfall, if larger) when it cannot cover a deal.
	AutoDeposit money.Amount
	// PayHook, when set, is asked before each accepted report is paid;
	// false withholds the voucher (tests: a requester that stops paying).
	PayHook func(market.UsageReport) bool
	// Reputation, when set, is told what each provider's execution came
	// to (verified, dispute lost, lost mid-run).
	Reputation Attester
	// Operators lists the operators' policies known (for jobs that name a
	// resource spec); nil knows none.
	Operators interface{ All() []*operator.Policy }
}

// Attester records a node's attestation about a provider and tells the
// network.
type Attester interface {
	Attest(ctx context.Context, c reputation.Claim) error
}

// Requester submits and tracks jobs.
type Requester struct {
	cfg Config
	log *slog.Logger
	now func() time.Time

	mu     sync.Mutex
	logs   map[string]*jobLog
	active map[string]*tracked
	wg     sync.WaitGroup

	// stop ends tracking (not the jobs) when the daemon stops; the next
	// start resumes every job in flight.
	stop    context.Context
	stopNow context.CancelFunc
	// channels caches channel reads for a second (nil without settlement).
	channels *settle.ChannelCache

	payMu     sync.Mutex
	pays      map[string]*payTrack
	depositMu sync.Mutex
	// verifyMu serialises changes to verification records.
	verifyMu sync.Mutex
}

type tracked struct {
	provider  peer.ID
	execution string
	cancelled bool
	cancel    context.CancelFunc
	// gang is set for a multi-task job: started once its tasks run (they
	// are then stopped one by one), wake when one of them changes.
	gang    bool
	started bool
	wake    chan struct{}
	// linked, for a task of a linked gang started after a restart, is
	// what its attempt is sent with.
	linked *linkedRun
}

// emptyTree is the digest of an empty output tree.
var emptyTree = data.Manifest{}.Digest()

// Errors returned by Submit and friends.
var (
	ErrInvalidSpec = errors.New("invalid job spec")
	ErrNotRunning  = errors.New("job is not running")
)

// New creates a requester and resumes the jobs an earlier run of the
// daemon left in flight.
func New(ctx context.Context, cfg Config) (*Requester, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Scheduler == nil {
		cfg.Scheduler = sched.Default()
	}
	if cfg.MaxOutputFiles <= 0 {
		cfg.MaxOutputFiles = 100_000
	}
	r := &Requester{cfg: cfg, log: cfg.Logger, now: cfg.Clock, logs: map[string]*jobLog{}, active: map[string]*tracked{},
		pays: map[string]*payTrack{}}
	r.stop, r.stopNow = context.WithCancel(context.Background())
	if cfg.Settlement != nil {
		r.channels = settle.NewChannelCache(cfg.Settlement, 0, cfg.Clock)
	}
	jobs, err := cfg.Store.ActiveJobs(ctx)
	if err != nil {
		return nil, err
	}
	// Jobs in flight when an earlier run stopped are resumed: a running
	// execution is reattached (never run twice unless it is known lost),
	// a job not yet accepted anywhere is placed again.
	for _, j := range jobs {
		if j.State == job.StateVerifying && verifiedJob(&j) {
			r.log.Info("resuming the verification of a job after restart", "job", j.ID)
			r.resumeVerifying(j)
			continue
		}
		resume := j.Provider != "" && (j.State == job.StatePreparing || j.State == job.StateRunning)
		if !resume {
			j.Provider = ""
		}
		r.log.Info("resuming job after restart", "job", j.ID, "state", j.State, "reattach", resume)
		r.start(j, nil, resume)
	}
	return r, nil
}

// Close waits for tracking goroutines to stop (they end with the host).
func (r *Requester) Close() error {
	r.stopNow()
	r.wg.Wait()
	return nil
}

func (r *Requester) jobDir(id string) string { return filepath.Join(r.cfg.DataDir, "jobs", id) }

// OutputsDir is where a completed job's outputs are.
func (r *Requester) OutputsDir(id string) string { return filepath.Join(r.jobDir(id), "outputs") }

func (r *Requester) jobLog(id string) *jobLog {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.logs[id]
	if l == nil {
		l = newJobLog(filepath.Join(r.jobDir(id), "logs"))
		r.logs[id] = l
	}
	return l
}

// Submit validates spec, places it and sends it to the chosen provider. It
// returns once the job is recorded; the run is tracked in the background.
// When no provider fits, the *sched.NoFitError lists each and why.
func (r *Requester) Submit(ctx context.Context, spec job.Spec) (store.Job, error) {
	spec.ApplyDefaults()
	if err := spec.Validate(); err != nil {
		return store.Job{}, fmt.Errorf("%w: %w", ErrInvalidSpec, err)
	}
	if err := r.resolveSpec(&spec); err != nil {
		return store.Job{}, fmt.Errorf("%w: %w", ErrInvalidSpec, err)
	}
	if err := r.resolveResults(ctx, &spec); err != nil {
		return store.Job{}, fmt.Errorf("%w: %w", ErrInvalidSpec, err)
	}
	if spec.InBooking() {
		return r.submitInBooking(ctx, spec)
	}
	if spec.TaskCount() > 1 {
		return r.submitGang(ctx, spec)
	}
	now := r.now()
	j := store.Job{ID: job.NewID(), Name: spec.Name, Spec: spec, SpecDigest: job.Digest(spec),
		State: job.StatePending, CreatedAt: now, UpdatedAt: now, ExecutionID: job.NewID()}
	deals, _, err := r.tryPlace(ctx, &j, nil)
	if err == nil && verifiedJob(&j) {
		j.Provider = deals[0].Quote.Provider
		if verr := r.validatorsAvailable(ctx, &j); verr != nil {
			r.declineDeals(&j, deals)
			return store.Job{}, verr
		}
	}
	var nf *sched.NoFitError
	var nq *NoQuoteError
	switch {
	case err == nil:
		j.Provider = deals[0].Quote.Provider
	case errors.As(err, &nf) && nf.Report.CanWait() && !spec.IsBooking():
		// Nothing fits now but something may later: the job is queued
		// (not a booking: it is for now or refused).
		j.Placement, _ = json.Marshal(nf.Report)
		j.State = job.StateQueued
	case errors.As(err, &nq) && !nq.Permanent && !spec.IsBooking():
		// Providers that fit were busy when asked: the job is queued.
		j.State = job.StateQueued
	default:
		return store.Job{}, err
	}
	if err := os.MkdirAll(r.jobDir(j.ID), 0o700); err != nil {
		return store.Job{}, err
	}
	if err := r.cfg.Store.CreateJob(ctx, j); err != nil {
		return store.Job{}, err
	}
	r.start(j, deals, false)
	return j, nil
}

// start tracks a job in the background.
func (r *Requester) start(j store.Job, deals []market.Deal, resume bool) {
	if isGang(j) {
		r.startGang(j, nil, nil)
		return
	}
	r.startTask(j, deals, resume, nil)
}

// startTask tracks a single-task job or one task of a gang in the
// background; run is set for a task of a restarted linked gang.
func (r *Requester) startTask(j store.Job, deals []market.Deal, resume bool, run *linkedRun) {
	runCtx, cancel := context.WithCancel(r.stop)
	t := &tracked{execution: j.ExecutionID, cancel: cancel, linked: run}
	if verifiedJob(&j) {
		t.wake = make(chan struct{}, 1) // its validators' runs wake its verifier
	}
	r.jobLog(j.ID) // registered before Submit returns, so a follower never sees a finished log
	r.mu.Lock()
	r.active[j.ID] = t
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		r.drive(runCtx, j, t, deals, resume)
	}()
}

// feasibleInOrder lists the feasible nodes, best first (the report is sorted).
func feasibleInOrder(rep sched.Report) []string {
	var out []string
	out = append(out, rep.Chosen)
	for _, n := range rep.Nodes {
		if n.Feasible && n.Node != rep.Chosen {
			out = append(out, n.Node)
		}
	}
	return out
}

// update persists a state change and notifies.
func (r *Requester) update(j *store.Job, state job.State, msg string) {
	j.State, j.UpdatedAt = state, r.now()
	if err := r.cfg.Store.UpdateJob(context.Background(), *j, msg); err != nil {
		r.log.Error("store job", "job", j.ID, "err", err)
	}
	if j.Parent != "" {
		r.wakeGang(j.Parent)
	}
	if r.cfg.OnChange != nil {
		r.cfg.OnChange(*j)
	}
}

// finish records how the execution ended and fetches its outputs.
func (r *Requester) finish(ctx context.Context, j *store.Job, pid peer.ID, ev market.TaskEvent) error {
	if ev.Result != nil {
		code := ev.Result.ExitCode
		j.ExitCode = &code
	}
	j.Error = ev.Message
	if ev.Commitment != nil && ev.State == job.StateCompleted && (verifiedJob(j) || j.Role == store.RoleValidator) {
		r.committed(j, pid, ev) // the result is revealed, checked and fetched once every runner committed
		return nil
	}
	switch ev.ResultDigest {
	case "":
	case emptyTree:
		// Nothing to fetch: an empty output tree is its digest.
		if err := os.MkdirAll(r.outputsDir(j), 0o755); err != nil {
			return err
		}
		j.ResultDigest = ev.ResultDigest
	default:
		if err := r.fetchOutputs(ctx, j, pid, ev.ResultDigest); err != nil {
			return fmt.Errorf("fetch outputs: %w", err)
		}
		j.ResultDigest = ev.ResultDigest
	}
	state := ev.State
	if !state.Terminal() {
		state = job.StateFailed
	}
	r.update(j, state, ev.Message)
	return nil
}

// fetchOutputs downloads the output tree and checks it against digest.
func (r *Requester) fetchOutputs(ctx context.Context, j *store.Job, pid peer.ID, digest string) error {
	return r.fetchExecution(ctx, j, pid, j.ExecutionID, digest)
}

// fetchExecution downloads the output tree of execution (one of j's runs)
// into j's outputs and checks it against digest.
func (r *Requester) fetchExecution(ctx context.Context, j *store.Job, pid peer.ID, execution, digest string) error {
	_, err := r.fetchInto(ctx, j, pid, execution, digest, r.outputsDir(j))
	return err
}

// fetchInto downloads execution's outputs into dir, checked against
// digest, or (digest "") against the one the provider announces; it
// returns the digest.
func (r *Requester) fetchInto(ctx context.Context, j *store.Job, pid peer.ID, execution, digest, dir string) (string, error) {
	s, err := r.cfg.Host.OpenStream(ctx, pid, p2p.ProtocolID(market.ProtoResult, 1))
	if err != nil {
		return "", err
	}
	defer s.Close()
	if err := p2p.WriteMsg(s, market.ResultRequest{ExecutionID: execution}); err != nil {
		return "", err
	}
	var h market.ResultHeader
	if err := p2p.ReadMsg(s, &h, market.MaxSmallMsg); err != nil {
		return "", err
	}
	if h.Error != "" {
		return "", errors.New(h.Error)
	}
	if digest != "" && h.Digest != digest {
		return "", fmt.Errorf("provider announced digest %s, then sent %s", digest, h.Digest)
	}
	_ = os.RemoveAll(dir)
	limits := data.Limits{MaxBytes: int64(j.Spec.Resources.Disk), MaxFiles: r.cfg.MaxOutputFiles}
	if _, err := data.Unpack(ctx, s, dir, h.Digest, limits); err != nil {
		return "", err
	}
	return h.Digest, nil
}

// Cancel stops a job: the provider kills the execution.
func (r *Requester) Cancel(ctx context.Context, id string) error {
	r.mu.Lock()
	t := r.active[id]
	if t == nil {
		r.mu.Unlock()
		return ErrNotRunning
	}
	t.cancelled = true
	if t.gang {
		started := t.started
		r.mu.Unlock()
		if !started {
			t.cancel() // placing: nothing runs anywhere yet
		}
		r.wakeGang(id) // its driver stops every task
		return nil
	}
	pid, exe := t.provider, t.execution
	r.mu.Unlock()
	if j, err := r.cfg.Store.GetJob(ctx, id); err == nil && verifiedJob(&j) {
		r.stopValidators(&j)
		if j.State == job.StateVerifying {
			r.wakeVerification(id) // its run has ended: the verifier records the cancel
			return nil
		}
	}
	if pid == "" {
		t.cancel() // queued or placing: nothing runs anywhere yet
		return nil
	}
	return r.askCancel(ctx, pid, exe)
}

// Logs writes job id's logs to w; with follow it streams until the job ends.
func (r *Requester) Logs(ctx context.Context, id string, follow bool, w io.Writer) error {
	if g, err := r.cfg.Store.GetJob(ctx, id); err == nil && isGang(g) {
		return r.gangLogs(ctx, g, follow, w)
	}
	r.mu.Lock()
	l, live := r.logs[id]
	r.mu.Unlock()
	if !live {
		l = newJobLog(filepath.Join(r.jobDir(id), "logs"))
		l.finish()
	}
	return l.copyTo(ctx, w, follow)
}
