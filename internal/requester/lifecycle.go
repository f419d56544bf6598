package requester

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/reputation"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/store"
)

// DefaultHeartbeatTimeout is how long a requester waits without any event
// from a provider running its task before it declares the provider gone.
const DefaultHeartbeatTimeout = 10 * time.Second

// queuePoll is how often a queued job looks for a fitting offer again.
const queuePoll = 250 * time.Millisecond

// retakePoll is how long a task that every quoting provider refused waits
// before it is placed again.
const retakePoll = time.Second

// errNotTaken is the error of an attempt whose every provider refused the
// task after quoting for it; the requester could pay them all.
var errNotTaken = errors.New("no provider accepted the task")

// errLost marks an attempt whose provider disappeared mid-execution.
var errLost = errors.New("provider lost")

// drive takes a job to a terminal state: placement (queueing while nothing
// fits now), quotes, then attempts on providers, retrying on another one
// when a provider disappears, up to the job's MaxAttempts, all within its
// TotalTimeout. With resume, the job's current execution is reattached
// first (the requester restarted).
func (r *Requester) drive(ctx context.Context, j store.Job, t *tracked, deals []market.Deal, resume bool) {
	jl := r.jobLog(j.ID)
	defer func() {
		if verifiedJob(&j) && j.State.Terminal() && j.State != job.StateCompleted && r.stop.Err() == nil {
			// Its validators may have started before its provider took
			// the task: they stop with it.
			r.stopValidators(&j)
		}
		if !linkedTask(&j) {
			jl.finish() // a linked task's log goes on across its gang's attempts: the gang finishes it
		}
		r.mu.Lock()
		if r.active[j.ID] == t { // the gang may have restarted the task already
			delete(r.active, j.ID)
		}
		r.mu.Unlock()
	}()
	ctx, cancel := withTotalTimeout(ctx, j)
	defer cancel()

	attempts, _ := r.cfg.Store.Attempts(ctx, j.ID)
	excluded := map[string]bool{}
	for _, a := range attempts {
		if a.State == job.StateLost {
			excluded[a.Provider] = true
		}
		if a.ExecutionID == j.ExecutionID {
			jl.setAttemptBase(a.LogOffset)
		}
	}
	used := len(attempts)
	var refusedAt time.Time // when providers first refused the task's deals
	if resume {
		pid, err := peer.Decode(j.Provider)
		var s network.Stream
		if err == nil {
			r.setProvider(t, pid)
			r.resumePaying(ctx, &j)
			// The provider may not be reachable yet (this node just
			// started): keep trying within the heartbeat timeout.
			s, err = r.reattach(ctx, &j, pid, jl, r.now())
		}
		if err == nil {
			err = r.follow(ctx, &j, pid, s, jl)
		}
		r.stopPaying(j.ExecutionID)
		if !r.settle(ctx, &j, t, pid, err, excluded) {
			r.afterRun(ctx, &j, t)
			return
		}
		deals = nil
		r.newExecution(&j, t)
	}
	for {
		if len(deals) == 0 {
			if linkedTask(&j) {
				// Every provider of the gang was told who runs each
				// task: one task cannot move on its own (this node
				// restarted before it was sent). Its gang restarts every
				// task (followGang).
				r.fail(&j, "not placed again on its own: the job network of a job with links names every task's provider")
				return
			}
			if j.Spec.InBooking() {
				r.fail(&j, "not placed again: a job in a booking runs only on the booking's nodes, under the deal it was sent with")
				return
			}
			if j.Role == store.RoleValidator {
				// Its job calls in another validator instead, in the
				// seed's order (verifyResult).
				r.fail(&j, "a validator's run is not placed again on another provider")
				return
			}
			if used >= j.Spec.MaxAttempts {
				r.fail(&j, fmt.Sprintf("gave up after %d attempts (maxAttempts); see the attempts in deco job describe", used))
				return
			}
			var err error
			deals, err = r.placeAndQuote(ctx, &j, t, excluded)
			if err != nil {
				r.end(ctx, &j, t, err)
				return
			}
		}
		pid, err := r.attempt(ctx, &j, t, deals, jl)
		if errors.Is(err, errNotTaken) && !linkedTask(&j) && ctx.Err() == nil && !r.isCancelled(t) {
			// Every provider that quoted refused the task when it came
			// (a capacity race, a full disk): that is no attempt, and the
			// task is placed again within the queue timeout.
			if refusedAt.IsZero() {
				refusedAt = r.now()
				r.update(&j, job.StateQueued, fmt.Sprintf("placing the task again: %v", err))
			}
			if r.now().Sub(refusedAt) < j.Spec.QueueTimeout.Std() {
				select {
				case <-ctx.Done():
				case <-time.After(retakePoll):
				}
				deals = nil
				r.newExecution(&j, t)
				continue
			}
		}
		refusedAt = time.Time{} // a provider took the task: a later refusal waits afresh
		used++
		if !r.settle(ctx, &j, t, pid, err, excluded) {
			r.afterRun(ctx, &j, t)
			return
		}
		deals = nil
		r.newExecution(&j, t)
	}
}

// withTotalTimeout bounds ctx by job j's total timeout from its
// submission.
func withTotalTimeout(ctx context.Context, j store.Job) (context.Context, context.CancelFunc) {
	total := j.Spec.TotalTimeout.Std()
	if total <= 0 {
		total = 24 * time.Hour
	}
	return context.WithDeadline(ctx, j.CreatedAt.Add(total))
}

// newExecution gives the job's next attempt its own execution ID: a retry
// is a new execution, on whichever provider it lands.
func (r *Requester) newExecution(j *store.Job, t *tracked) {
	j.ExecutionID = job.NewID()
	r.mu.Lock()
	t.execution = j.ExecutionID
	r.mu.Unlock()
}

// settle decides after an attempt: true means try again elsewhere.
func (r *Requester) settle(ctx context.Context, j *store.Job, t *tracked, pid peer.ID, err error, excluded map[string]bool) bool {
	switch {
	case err == nil:
		return false // finished: the job's final state is recorded
	case errors.Is(err, errLost) && ctx.Err() == nil && linkedTask(j) && r.stop.Err() == nil:
		// A linked task does not move alone: it ends lost (even when its
		// gang was stopping it), and the gang restarts every task
		// elsewhere than on this provider.
		r.recordAttempt(j, pid.String(), job.StateLost, err.Error())
		j.Error = err.Error()
		r.update(j, job.StateLost, fmt.Sprintf("attempt on %s lost (%v); its gang decides what runs next", pid, err))
		return false
	case errors.Is(err, errLost) && ctx.Err() == nil && !r.isCancelled(t):
		r.attest(ctx, reputation.KindLost, j, VerifiedRun{Node: pid.String(), ExecutionID: j.ExecutionID})
		excluded[pid.String()] = true
		r.recordAttempt(j, pid.String(), job.StateLost, err.Error())
		r.update(j, job.StatePending, fmt.Sprintf("attempt on %s lost (%v); placing the task again", pid, err))
		return true
	default:
		r.end(ctx, j, t, err)
		return false
	}
}

// end records the job's end after an error, telling apart cancellation and
// the total timeout.
func (r *Requester) end(ctx context.Context, j *store.Job, t *tracked, err error) {
	if r.stop.Err() != nil {
		return // the daemon is stopping: the job stays as it is and resumes at the next start
	}
	switch {
	case r.isCancelled(t):
		r.cancelOnProvider(j)
		j.Error = "cancelled by the requester"
		r.update(j, job.StateCancelled, j.Error)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		r.cancelOnProvider(j)
		r.fail(j, fmt.Sprintf("total timeout (%s) reached: %v", j.Spec.TotalTimeout, err))
	default:
		r.fail(j, err.Error())
	}
	if j.Provider != "" && j.ExecutionID != "" {
		r.recordAttempt(j, j.Provider, j.State, j.Error)
	}
}

func (r *Requester) fail(j *store.Job, msg string) {
	j.Error = msg
	r.update(j, job.StateFailed, msg)
}

func (r *Requester) isCancelled(t *tracked) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return t.cancelled
}

func (r *Requester) setProvider(t *tracked, pid peer.ID) {
	r.mu.Lock()
	t.provider = pid
	r.mu.Unlock()
}

// cancelOnProvider asks the job's provider to stop (best effort).
func (r *Requester) cancelOnProvider(j *store.Job) {
	pid, err := peer.Decode(j.Provider)
	if err != nil || j.ExecutionID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = r.askCancel(ctx, pid, j.ExecutionID)
}

// askCancel asks provider pid to stop execution exe; the error covers both
// a failed request and the provider's refusal.
func (r *Requester) askCancel(ctx context.Context, pid peer.ID, exe string) error {
	var reply market.CancelReply
	if err := r.cfg.Host.Request(ctx, pid, p2p.ProtocolID(market.ProtoCancel, 1), market.CancelRequest{ExecutionID: exe}, &reply, market.MaxSmallMsg); err != nil {
		return fmt.Errorf("ask provider to cancel: %w", err)
	}
	if reply.Error != "" {
		return errors.New(reply.Error)
	}
	return nil
}

// recordAttempt writes the current execution's attempt record.
func (r *Requester) recordAttempt(j *store.Job, provider string, state job.State, msg string) {
	a := store.Attempt{ExecutionID: j.ExecutionID, JobID: j.ID, Provider: provider, State: state, Error: msg, StartedAt: r.now()}
	if state.Terminal() {
		now := r.now()
		a.EndedAt = &now
	}
	if err := r.cfg.Store.PutAttempt(context.Background(), a); err != nil {
		r.log.Warn("record attempt", "job", j.ID, "err", err)
	}
}

// placeAndQuote places the job and collects deals, queueing while nothing
// fits now. Nodes in excluded (lost earlier) are not considered.
func (r *Requester) placeAndQuote(ctx context.Context, j *store.Job, t *tracked, excluded map[string]bool) ([]market.Deal, error) {
	var queuedAt time.Time
	for {
		deals, rep, err := r.tryPlace(ctx, j, excluded)
		if err == nil {
			return deals, nil
		}
		var nf *sched.NoFitError
		// Submit already answered a permanent refusal; here (queued, or
		// placing again after a lost attempt) a refused quote may be a
		// capacity race, so it waits too.
		var nq *NoQuoteError
		queueable := (errors.As(err, &nf) && nf.Report.CanWait()) || (errors.As(err, &nq) && (!nq.Permanent || !queuedAt.IsZero()))
		if len(excluded) > 0 && (queueable || errors.As(err, &nf)) {
			// Nothing fits but the providers lost earlier: they may be
			// back (a restart), so they count again rather than the job
			// waiting out its queue timeout; maxAttempts still bounds it.
			r.log.Info("placing again on providers lost earlier", "job", j.ID, "providers", len(excluded), "err", err)
			clear(excluded)
			continue
		}
		if !queueable {
			return nil, err
		}
		if queuedAt.IsZero() {
			queuedAt = r.now()
			if rep != nil {
				j.Placement, _ = json.Marshal(rep)
			}
			r.update(j, job.StateQueued, fmt.Sprintf("no provider fits now; waiting up to %s: %v", j.Spec.QueueTimeout, err))
		}
		if r.now().Sub(queuedAt) >= j.Spec.QueueTimeout.Std() {
			return nil, fmt.Errorf("no provider became available within the queue timeout (%s): %w", j.Spec.QueueTimeout, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(queuePoll):
		}
	}
}

// tryPlace runs the scheduler over the catalog (without excluded nodes)
// and negotiates quotes with the best.
func (r *Requester) tryPlace(ctx context.Context, j *store.Job, excluded map[string]bool) ([]market.Deal, *sched.Report, error) {
	req := sched.NewRequest(j.Spec, r.cfg.Key.PeerID())
	var rep sched.Report
	var err error
	if len(excluded) == 0 {
		// The common case places over the catalog in place, without a copy.
		r.cfg.Catalog.View(func(offers []offer.Offer) { rep, err = r.cfg.Scheduler.PlaceRequest(req, offers) })
	} else {
		var offers []offer.Offer
		r.cfg.Catalog.View(func(all []offer.Offer) {
			for _, o := range all {
				if !excluded[o.Node] {
					offers = append(offers, o)
				}
			}
		})
		rep, err = r.cfg.Scheduler.PlaceRequest(req, offers)
	}
	if err != nil {
		return nil, &rep, err
	}
	j.Placement, _ = json.Marshal(rep)
	deals, err := r.negotiate(ctx, j, feasibleInOrder(rep))
	if err != nil {
		return nil, &rep, err
	}
	return deals, &rep, nil
}

// attempt runs the task on the first provider whose deal it takes (cheapest
// first) and follows it to the end; the other quotes are declined.
func (r *Requester) attempt(ctx context.Context, j *store.Job, t *tracked, deals []market.Deal, jl *jobLog) (peer.ID, error) {
	var refusals []string
	unpayable := false
	for i := range deals {
		node := deals[i].Quote.Provider
		pid, err := peer.Decode(node)
		if err != nil {
			refusals = append(refusals, fmt.Sprintf("%s: bad peer ID", node))
			continue
		}
		if r.isCancelled(t) {
			r.declineDeals(j, deals[i:])
			return pid, context.Canceled
		}
		if err := r.checkPayable(ctx, &deals[i]); err != nil {
			r.log.Info("cannot pay the provider", "job", j.ID, "provider", node, "err", err)
			refusals = append(refusals, fmt.Sprintf("%s: %v", node, err))
			unpayable = true
			continue
		}
		verified := verifiedJob(j)
		if verified && r.validatesJob(j.ID, node) {
			refusals = append(refusals, fmt.Sprintf("%s: a validator of this job", node))
			continue
		}
		r.setProvider(t, pid)
		j.Provider = node
		if verified {
			// The validators are asked now, beside this deal's sending:
			// the deal's two signatures that rank them exist already.
			// The other quotes are declined first (their providers are
			// often the validators), so this deal has no fallback.
			r.startValidators(*j, deals[i], r.declineDealsNotify(j, deals[i+1:]))
		}
		s, accepted, err := r.send(ctx, j, t, pid, &deals[i])
		if !accepted {
			r.log.Info("provider did not take the task", "job", j.ID, "provider", node, "err", err)
			refusals = append(refusals, fmt.Sprintf("%s: %v", node, err))
			if verified {
				break // the task is placed again, away from its validators
			}
			continue
		}
		if !verified {
			r.declineDeals(j, deals[i+1:])
		}
		now := r.now()
		deal, _ := json.Marshal(deals[i]) // the terms it runs under (a booking's price per hour)
		if err := r.cfg.Store.PutAttempt(context.Background(), store.Attempt{ExecutionID: j.ExecutionID, JobID: j.ID, Provider: node,
			State: job.StatePreparing, Deal: deal, StartedAt: now, LogOffset: jl.startAttempt()}); err != nil {
			r.log.Warn("record attempt", "job", j.ID, "err", err)
		}
		r.startPaying(ctx, j.ExecutionID, &deals[i], r.now())
		defer r.stopPaying(j.ExecutionID)
		return pid, r.follow(ctx, j, pid, s, jl)
	}
	if unpayable {
		return "", fmt.Errorf("no provider accepted the task:\n  %s", strings.Join(refusals, "\n  "))
	}
	return "", fmt.Errorf("%w:\n  %s", errNotTaken, strings.Join(refusals, "\n  "))
}

// send opens the task stream and waits for the provider's answer.
func (r *Requester) send(ctx context.Context, j *store.Job, t *tracked, pid peer.ID, deal *market.Deal) (network.Stream, bool, error) {
	s, err := r.cfg.Host.OpenStream(ctx, pid, p2p.ProtocolID(market.ProtoTask, 1))
	if err != nil {
		return nil, false, err
	}
	req := market.TaskRequest{JobID: wireJobID(j), ExecutionID: j.ExecutionID, TaskIndex: j.TaskIndex, Spec: j.Spec, SpecDigest: j.SpecDigest, Deal: deal}
	if req.Grants, err = r.grants(ctx, j.Spec, pid); err != nil {
		s.Reset()
		return nil, false, err
	}
	if req.Members, err = r.members(ctx, j); err != nil {
		s.Reset()
		return nil, false, err
	}
	if run := t.linked; run != nil {
		if run.attempt > 1 {
			req.Attempt = run.attempt
		}
		if run.carry != nil {
			if req.Checkpoint, err = r.checkpointFor(run.carry, pid); err != nil {
				s.Reset()
				return nil, false, err
			}
		}
	}
	if err := p2p.WriteMsg(s, req); err != nil {
		s.Reset()
		return nil, false, fmt.Errorf("send task: %w", err)
	}
	_ = s.SetReadDeadline(time.Now().Add(r.heartbeatTimeout()))
	var ev market.TaskEvent
	if err := p2p.ReadMsg(s, &ev, market.MaxTaskEvent); err != nil {
		s.Reset()
		return nil, false, fmt.Errorf("read answer: %w", err)
	}
	switch ev.Type {
	case market.EventAccepted:
		r.update(j, job.StatePreparing, "accepted by "+pid.String())
		return s, true, nil
	case market.EventRejected:
		s.Close()
		return nil, false, errors.New(ev.Message)
	default:
		s.Reset()
		return nil, false, fmt.Errorf("unexpected first answer %q", ev.Type)
	}
}

func (r *Requester) heartbeatTimeout() time.Duration {
	if r.cfg.HeartbeatTimeout > 0 {
		return r.cfg.HeartbeatTimeout
	}
	return DefaultHeartbeatTimeout
}

// follow reads the execution's events until it ends. When the stream
// breaks or falls silent it reattaches; when the provider cannot be
// reached again within the heartbeat timeout, or no longer knows the
// execution, the attempt is lost (errLost).
func (r *Requester) follow(ctx context.Context, j *store.Job, pid peer.ID, s network.Stream, jl *jobLog) error {
	lastContact := r.now()
	for {
		ev, err := r.next(ctx, s)
		if err == nil {
			lastContact = r.now()
			done, ferr := r.apply(ctx, j, pid, s, ev, jl)
			if done || ferr != nil {
				s.Close()
				return ferr
			}
			continue
		}
		s.Reset()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.log.Info("task stream broken; reattaching", "job", j.ID, "provider", pid, "err", err)
		s, err = r.reattach(ctx, j, pid, jl, lastContact)
		if err != nil {
			return err
		}
	}
}

// next reads one event, waiting at most the heartbeat timeout.
func (r *Requester) next(ctx context.Context, s network.Stream) (market.TaskEvent, error) {
	stop := context.AfterFunc(ctx, func() { s.Reset() })
	defer stop()
	_ = s.SetReadDeadline(time.Now().Add(r.heartbeatTimeout()))
	var ev market.TaskEvent
	err := p2p.ReadMsg(s, &ev, market.MaxTaskEvent)
	return ev, err
}

// reattach tries to reach the execution again until the heartbeat timeout
// since the last contact has passed.
func (r *Requester) reattach(ctx context.Context, j *store.Job, pid peer.ID, jl *jobLog, lastContact time.Time) (network.Stream, error) {
	for {
		s, err := r.attach(ctx, j, pid, jl)
		if err == nil || errors.Is(err, errLost) {
			return s, err
		}
		if r.now().Sub(lastContact) >= r.heartbeatTimeout() {
			return nil, fmt.Errorf("%w: no contact for %s (%v)", errLost, r.heartbeatTimeout(), err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// attach opens an attach stream from the logs already held.
func (r *Requester) attach(ctx context.Context, j *store.Job, pid peer.ID, jl *jobLog) (network.Stream, error) {
	actx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	s, err := r.cfg.Host.OpenStream(actx, pid, p2p.ProtocolID(market.ProtoAttach, 1))
	if err != nil {
		return nil, err
	}
	if err := p2p.WriteMsg(s, market.AttachRequest{ExecutionID: j.ExecutionID, LogOffset: jl.attemptOffset()}); err != nil {
		s.Reset()
		return nil, err
	}
	// A refusal comes first; anything else is the catch-up.
	_ = s.SetReadDeadline(time.Now().Add(r.heartbeatTimeout()))
	var ev market.TaskEvent
	if err := p2p.ReadMsg(s, &ev, market.MaxTaskEvent); err != nil {
		s.Reset()
		return nil, err
	}
	if ev.Type == market.EventRejected {
		s.Close()
		return nil, fmt.Errorf("%w: %s", errLost, ev.Message)
	}
	r.log.Info("reattached to the execution", "job", j.ID, "provider", pid)
	if _, err := r.apply(ctx, j, pid, s, ev, jl); err != nil {
		s.Reset()
		return nil, err
	}
	return s, nil
}

// apply records one event, answering usage reports with payments on s;
// done is true after the final one.
func (r *Requester) apply(ctx context.Context, j *store.Job, pid peer.ID, s network.Stream, ev market.TaskEvent, jl *jobLog) (done bool, err error) {
	switch ev.Type {
	case market.EventUsage:
		r.pay(ctx, j, s, ev.Usage, ev.TimeLock)
	case market.EventHeartbeat, market.EventAccepted:
	case market.EventState:
		switch {
		case ev.State == job.StateRunning && j.State != job.StateRunning:
			r.update(j, job.StateRunning, "")
		case ev.State == job.StatePreparing && ev.Message != "":
			// Input fetch progress: kept as an event of the job.
			r.update(j, job.StatePreparing, ev.Message)
		}
	case market.EventLog:
		if err := jl.write(ev.Log); err != nil {
			r.log.Warn("write log", "job", j.ID, "err", err)
		}
	case market.EventExited:
		if o := ev.Offer; o != nil && o.Node == pid.String() {
			// The provider's capacity is free again: know it before the
			// job is seen as done and the next one is placed.
			_, _ = r.cfg.Catalog.Put(*o)
		}
		if ev.State == job.StateLost {
			// The provider restarted and could not reattach the sandbox.
			return true, fmt.Errorf("%w: %s", errLost, ev.Message)
		}
		if ev.Reason == market.ReasonUnpaid && !r.withheld(j.ExecutionID) {
			// This node paid every valid report it saw: the vouchers were
			// lost on the way (a network cut, this node down for a while)
			// or the provider claimed what it may not (its clock wrong).
			// The task is not at fault; it runs again elsewhere.
			return true, fmt.Errorf("%w: %s (this node paid every valid report it received)", errLost, ev.Message)
		}
		if err := r.finish(ctx, j, pid, ev); err != nil {
			return true, err
		}
		r.recordAttempt(j, pid.String(), j.State, j.Error)
		return true, nil
	case market.EventRejected:
		return true, fmt.Errorf("%w: %s", errLost, ev.Message)
	default:
		return false, fmt.Errorf("unexpected event %q", ev.Type)
	}
	return false, nil
}
