package requester

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/data"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/store"
)

// A multi-task job (spec.Tasks > 1) is kept as the job as submitted, the
// gang, and one task row per task (a store.Job naming the gang as Parent,
// with its TaskIndex). The gang is placed all or none: a signed quote for
// every task, each countersigned, or every held quote released. Each task
// then runs as a single-task job does, under its own deal, execution,
// attempts, logs and outputs. The gang follows its tasks (followGang, its
// state machine). In an array job (no links) a task whose provider is lost
// is placed again on its own within maxAttempts, and when one fails the
// others are stopped and the job fails. In a job with links the tasks
// cannot go on without each other: when one fails or its provider is
// lost the others are stopped and, within maxAttempts (counted per gang
// attempt), the whole gang is placed again and every task restarts from
// its checkpoint (restartGang). A task that its provider refused when it
// was sent (busy, its policy) did not start: the others are stopped and
// the gang is placed again without that provider, within the queue
// timeout and without using up an attempt. When all complete their outputs, each
// checked against its digest, are the job's result as task-0/ …
// task-(N-1)/.

// isGang reports whether j is a multi-task job as submitted.
func isGang(j store.Job) bool { return j.Parent == "" && j.Spec.TaskCount() > 1 }

// linkedTask reports whether j is a task of a job with links: it runs,
// and restarts, only with its whole gang.
func linkedTask(j *store.Job) bool { return j.Parent != "" && j.Spec.Network.Links }

// linkedRun is what each task of one placement of a linked gang is sent
// with: the gang's placement (attempt, from 1: every placement, an
// attempt's or one again after a refusal, names a job network of its own)
// and where the task's checkpoint comes from (nil: none).
type linkedRun struct {
	attempt int
	carry   *checkpointSource
}

// wireJobID is the job ID providers see: a task row's gang.
func wireJobID(j *store.Job) string {
	if j.Parent != "" {
		return j.Parent
	}
	return j.ID
}

// taskDir is where task i's outputs go inside its gang's outputs.
func taskDir(i int) string { return fmt.Sprintf("task-%d", i) }

// outputsDir is where j's checked outputs are: a task row's are inside its
// gang's outputs, so that the gang's result is the tree of them all.
func (r *Requester) outputsDir(j *store.Job) string {
	if j.Role == store.RoleValidator {
		return r.validatorOutputs(j)
	}
	if j.Parent != "" {
		return filepath.Join(r.OutputsDir(j.Parent), taskDir(j.TaskIndex))
	}
	return r.OutputsDir(j.ID)
}

// newTasks makes the task rows of gang g, each with its first execution.
func (r *Requester) newTasks(g store.Job) []store.Job {
	tasks := make([]store.Job, g.Spec.TaskCount())
	now := r.now()
	for i := range tasks {
		tasks[i] = store.Job{ID: job.NewID(), Name: g.Name, Spec: g.Spec, SpecDigest: g.SpecDigest, State: job.StatePending,
			CreatedAt: now, UpdatedAt: now, ExecutionID: job.NewID(), Parent: g.ID, TaskIndex: i}
	}
	return tasks
}

// submitGang is Submit for a multi-task job: placed (or queued) as one,
// refused at once with the placement report when no set of providers could
// ever hold it.
func (r *Requester) submitGang(ctx context.Context, spec job.Spec) (store.Job, error) {
	now := r.now()
	g := store.Job{ID: job.NewID(), Name: spec.Name, Spec: spec, SpecDigest: job.Digest(spec),
		State: job.StatePending, CreatedAt: now, UpdatedAt: now}
	tasks := r.newTasks(g)
	deals, _, err := r.placeGang(ctx, &g, tasks, nil)
	if err == nil {
		if verr := r.tasksValidatorsAvailable(ctx, tasks); verr != nil {
			r.declineAll(tasks, deals)
			return store.Job{}, verr
		}
	}
	var nf *sched.NoFitError
	var nq *NoQuoteError
	switch {
	case err == nil:
	case errors.As(err, &nf) && nf.Report.CanWait() && !spec.IsBooking():
		g.Placement, _ = json.Marshal(nf.Report)
		g.State, tasks = job.StateQueued, nil
	case errors.As(err, &nq) && !nq.Permanent && !spec.IsBooking():
		g.State, tasks = job.StateQueued, nil
	default:
		return store.Job{}, err
	}
	if err := r.makeDirs(g, tasks); err != nil {
		r.declineAll(tasks, deals)
		return store.Job{}, err
	}
	if err := r.cfg.Store.CreateJobs(ctx, append([]store.Job{g}, tasks...)); err != nil {
		r.declineAll(tasks, deals)
		return store.Job{}, err
	}
	r.startGang(g, tasks, deals)
	return g, nil
}

// makeDirs creates the job directories of a gang and its tasks and opens
// their logs before the rows are stored, so that a follower who finds a
// task row before its driver has started waits for its lines rather than
// reading a finished, empty log.
func (r *Requester) makeDirs(g store.Job, tasks []store.Job) error {
	for _, j := range append([]store.Job{g}, tasks...) {
		if err := os.MkdirAll(r.jobDir(j.ID), 0o700); err != nil {
			return err
		}
		r.jobLog(j.ID)
	}
	return nil
}

// placeGang places every task of gang g, on providers not in excluded,
// and asks each chosen provider for a quote: the deals in task order, or
// an error with every quote held for the gang released.
func (r *Requester) placeGang(ctx context.Context, g *store.Job, tasks []store.Job, excluded map[string]bool) ([]market.Deal, *sched.Report, error) {
	req := sched.NewRequest(g.Spec, r.cfg.Key.PeerID())
	var rep sched.Report
	var err error
	r.cfg.Catalog.View(func(offers []offer.Offer) {
		if len(excluded) > 0 {
			offers = slices.DeleteFunc(slices.Clone(offers), func(o offer.Offer) bool { return excluded[o.Node] })
		}
		rep, err = r.cfg.Scheduler.PlaceGang(req, offers, len(tasks))
	})
	if err != nil {
		return nil, &rep, err
	}
	g.Placement, _ = json.Marshal(rep)
	deals, err := r.quoteSlots(ctx, tasks, rep.Gang.Slots)
	return deals, &rep, err
}

// quoteSlots asks slots[i] for a quote of task i, all in parallel, and
// countersigns them: the deals in task order with each task's Provider
// set, or a *NoQuoteError with every quote that was given released.
func (r *Requester) quoteSlots(ctx context.Context, tasks []store.Job, slots []string) ([]market.Deal, error) {
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	deals := make([]market.Deal, len(tasks))
	errs := make([]error, len(tasks))
	var wg sync.WaitGroup
	for i := range tasks {
		wg.Go(func() {
			q, err := r.askQuote(qctx, &tasks[i], slots[i])
			if err == nil {
				deals[i], err = market.Accept(*q, r.cfg.Key)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	answers := make([]string, len(tasks))
	failed, permanent := false, true
	for i, err := range errs {
		if err != nil {
			answers[i] = fmt.Sprintf("task %d on %s: %v", i, slots[i], err)
			failed, permanent = true, permanent && errors.Is(err, errAboveMaxPrice)
			continue
		}
		answers[i] = fmt.Sprintf("task %d on %s: quoted %s/h", i, slots[i], deals[i].Quote.Terms.PerHour)
		tasks[i].Provider = slots[i]
	}
	if failed {
		// All or none: the quotes that were given are released (a task
		// whose quote failed has an empty deal, which declineAll skips).
		r.declineAll(tasks, deals)
		for i := range tasks {
			tasks[i].Provider = ""
		}
		return nil, &NoQuoteError{Answers: answers, Permanent: permanent}
	}
	return deals, nil
}

// members are the providers of every task of j's gang in task order, told
// to each provider of a linked job so that its job network admits the
// others; nil for a job without links.
func (r *Requester) members(ctx context.Context, j *store.Job) ([]string, error) {
	if j.Parent == "" || !j.Spec.Network.Links {
		return nil, nil
	}
	tasks, err := r.cfg.Store.Tasks(ctx, j.Parent)
	if err != nil {
		return nil, err
	}
	members := make([]string, len(tasks))
	for i, tk := range tasks {
		if tk.Provider == "" {
			return nil, fmt.Errorf("task %d of the linked job is not placed", i)
		}
		members[i] = tk.Provider
	}
	if j.TaskIndex < len(members) {
		members[j.TaskIndex] = j.Provider // this task's, as being sent
	}
	return members, nil
}

// declineAll releases the quotes of deals (deals[i] is task i's; an empty
// one is skipped).
func (r *Requester) declineAll(tasks []store.Job, deals []market.Deal) {
	for i := range deals {
		if i < len(tasks) && deals[i].Quote.Provider != "" {
			if pid, err := peer.Decode(deals[i].Quote.Provider); err == nil {
				r.decline(pid, &tasks[i])
			}
		}
	}
}

// startGang tracks gang g in the background; tasks and deals are set when
// it was placed at submission.
func (r *Requester) startGang(g store.Job, tasks []store.Job, deals []market.Deal) {
	runCtx, cancel := context.WithCancel(r.stop)
	t := &tracked{cancel: cancel, gang: true, wake: make(chan struct{}, 1)}
	r.jobLog(g.ID)
	r.mu.Lock()
	r.active[g.ID] = t
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		r.driveGang(runCtx, g, t, tasks, deals)
	}()
}

// wakeGang tells gang id's driver that one of its tasks changed.
func (r *Requester) wakeGang(id string) {
	r.mu.Lock()
	t := r.active[id]
	r.mu.Unlock()
	if t != nil && t.wake != nil {
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
}

// driveGang takes a gang to a terminal state: placement all or none
// (queueing while no set of providers fits now), then its tasks, each
// driven as a job of its own, followed until every one has ended.
func (r *Requester) driveGang(ctx context.Context, g store.Job, t *tracked, tasks []store.Job, deals []market.Deal) {
	jl := r.jobLog(g.ID)
	defer func() {
		if g.Spec.Network.Links {
			// Its tasks' logs went on across its attempts: they end with it.
			if tasks, err := r.cfg.Store.Tasks(context.Background(), g.ID); err == nil {
				for _, tk := range tasks {
					r.jobLog(tk.ID).finish()
				}
			}
		}
		jl.finish()
		r.mu.Lock()
		delete(r.active, g.ID)
		r.mu.Unlock()
	}()
	ctx, cancel := withTotalTimeout(ctx, g)
	defer cancel()
	if tasks == nil {
		existing, err := r.cfg.Store.Tasks(ctx, g.ID)
		if err != nil {
			r.log.Error("load tasks", "job", g.ID, "err", err)
			return
		}
		if len(existing) == 0 {
			// Not placed yet (queued, or the node stopped before it was).
			tasks = r.newTasks(g)
			if deals, err = r.placeGangQueued(ctx, &g, t, tasks, nil); err != nil {
				r.end(ctx, &g, t, err) // as for a job that never ran: the gang has no provider or execution of its own
				return
			}
			if err := r.makeDirs(g, tasks); err == nil {
				err = r.cfg.Store.CreateJobs(context.Background(), tasks)
			}
			if err != nil {
				r.declineAll(tasks, deals)
				r.end(ctx, &g, t, err)
				return
			}
		}
		// Otherwise the tasks exist and New resumes each of them.
	}
	if deals != nil {
		nodes := map[string]bool{}
		for _, tk := range tasks {
			nodes[tk.Provider] = true
		}
		r.update(&g, job.StatePending, fmt.Sprintf("placed %d tasks on %d providers", len(tasks), len(nodes)))
		for i := range tasks {
			r.start(tasks[i], deals[i:i+1], false)
		}
	}
	r.mu.Lock()
	t.started = true
	r.mu.Unlock()
	r.followGang(ctx, &g, t)
}

// placeGangQueued places the gang, waiting up to its queue timeout while
// no set of providers can hold it now. Providers in excluded (lost by an
// earlier attempt, or refusing a task when it was sent) are left out
// while the others can hold the gang, now or once their busy capacity is
// free.
func (r *Requester) placeGangQueued(ctx context.Context, g *store.Job, t *tracked, tasks []store.Job, excluded map[string]bool) ([]market.Deal, error) {
	var queuedAt time.Time
	for {
		deals, rep, err := r.placeGang(ctx, g, tasks, excluded)
		if err == nil {
			return deals, nil
		}
		var nf *sched.NoFitError
		var nq *NoQuoteError
		if len(excluded) > 0 && errors.As(err, &nf) && (!nf.Report.CanWait() || nf.Report.Considered == 0) {
			// Nothing could hold the gang without the providers left out
			// (lost earlier, or refusing a task when it was sent), even
			// with every other provider free, or there are no others:
			// they may be back (a restart, space freed), so they count
			// again. Where the others are only busy now (the stopped
			// tasks of the last placement still giving back their
			// capacity) the gang waits for them instead, as any queued
			// gang does.
			r.log.Info("placing the gang again on providers left out", "job", g.ID, "providers", len(excluded), "err", err)
			clear(excluded)
			continue
		}
		if !(errors.As(err, &nf) && nf.Report.CanWait()) && !errors.As(err, &nq) {
			return nil, err
		}
		if queuedAt.IsZero() {
			queuedAt = r.now()
			if rep != nil {
				g.Placement, _ = json.Marshal(rep)
			}
			r.update(g, job.StateQueued, fmt.Sprintf("no set of providers holds the %d tasks now; waiting up to %s: %v", len(tasks), g.Spec.QueueTimeout, err))
		}
		if r.now().Sub(queuedAt) >= g.Spec.QueueTimeout.Std() {
			return nil, fmt.Errorf("no set of providers became available for the %d tasks within the queue timeout (%s): %w", len(tasks), g.Spec.QueueTimeout, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.wake:
			if r.isCancelled(t) {
				return nil, context.Canceled
			}
		case <-time.After(queuePoll):
		}
	}
}

// followGang is the gang's state machine once it is placed: it follows
// the tasks until every one has ended. When one fails or is lost (or the
// requester cancels, or the total timeout passes) the others are stopped.
// When all have ended the gang completes (every task completed: their
// outputs are its result), is cancelled, or fails; except that a job with
// links whose task failed or was lost restarts, within maxAttempts counted
// per gang attempt, every task on a fresh placement (restartGang), and is
// followed again.
func (r *Requester) followGang(ctx context.Context, g *store.Job, t *tracked) {
	attempt, placement := r.gangAttempt(g)
	var stopping string           // why the remaining tasks are being stopped
	var refusedSince time.Time    // when a provider first refused a task of this attempt at send time
	refusers := map[string]bool{} // the providers that refused one since
	deadline := ctx.Done()
	for {
		tasks, err := r.cfg.Store.Tasks(context.Background(), g.ID)
		if err != nil {
			r.log.Error("load tasks", "job", g.ID, "err", err)
			return
		}
		if stopping == "" {
			switch {
			case r.isCancelled(t):
				stopping = "cancelled by the requester"
			case errors.Is(ctx.Err(), context.DeadlineExceeded):
				stopping = fmt.Sprintf("total timeout (%s) reached", g.Spec.TotalTimeout)
			}
			for _, tk := range tasks {
				if stopping == "" && tk.State.Terminal() && tk.State != job.StateCompleted {
					stopping = fmt.Sprintf("task %d %s: %s", tk.TaskIndex, tk.State, tk.Error)
					g.ExitCode = tk.ExitCode
				}
			}
			if stopping != "" {
				r.update(g, g.State, stopping+"; stopping the other tasks")
				for _, tk := range tasks {
					if !tk.State.Terminal() {
						if err := r.Cancel(context.Background(), tk.ID); err != nil && !errors.Is(err, ErrNotRunning) {
							r.log.Warn("stop task", "job", g.ID, "task", tk.TaskIndex, "err", err)
						}
					}
				}
			}
		}
		refusalTimeout := false
		if stopping != "" && allEnded(tasks) && r.mayPlaceAgain(ctx, g, t) {
			refused, started := r.sendRefusals(tasks)
			var next *gangPlacement
			var excluded map[string]bool
			switch {
			case len(refused) > 0 && !started:
				// No task failed after it started: a provider refused
				// one when it was sent. That uses up no attempt: the
				// gang is placed again without the providers that
				// refused, within the queue timeout.
				if refusedSince.IsZero() {
					refusedSince = r.now()
				}
				for _, tk := range refused {
					refusers[tk.Provider] = true
				}
				if r.now().Sub(refusedSince) >= g.Spec.QueueTimeout.Std() {
					stopping = fmt.Sprintf("%s (no set of providers took every task within the queue timeout, %s)", stopping, g.Spec.QueueTimeout)
					refusalTimeout = true
					break
				}
				select { // as a single task waits before it is placed again
				case <-ctx.Done():
				case <-r.stop.Done():
				case <-time.After(retakePoll):
				}
				next = &gangPlacement{attempt: attempt, placement: placement + 1, refused: refused}
				excluded = maps.Clone(refusers)
			case attempt < g.Spec.MaxAttempts:
				refusedSince = time.Time{}
				clear(refusers)
				next = &gangPlacement{attempt: attempt + 1, placement: placement + 1}
			}
			if next != nil {
				attempt, placement = next.attempt, next.placement
				if err := r.restartGang(ctx, g, t, tasks, *next, excluded); err != nil {
					r.end(ctx, g, t, err) // every task keeps the state its last attempt ended in
					return
				}
				stopping = ""
				continue
			}
		}
		outOfAttempts := g.Spec.Network.Links && attempt >= g.Spec.MaxAttempts && !refusalTimeout
		if r.gangEnded(g, t, tasks, stopping, attempt, outOfAttempts) {
			return
		}
		select {
		case <-r.stop.Done():
			return // the daemon is stopping: the gang resumes at the next start
		case <-deadline:
			deadline = nil
		case <-t.wake:
		case <-time.After(time.Second):
		}
	}
}

// allEnded reports whether every task is in a terminal state.
func allEnded(tasks []store.Job) bool {
	for _, tk := range tasks {
		if !tk.State.Terminal() {
			return false
		}
	}
	return true
}

// mayPlaceAgain reports whether gang g, whose placement ended with a task
// failed or lost, may be placed again (attempts and refusals aside): a job
// with links, neither cancelled nor past its total timeout nor this daemon
// stopping.
func (r *Requester) mayPlaceAgain(ctx context.Context, g *store.Job, t *tracked) bool {
	return g.Spec.Network.Links && !r.isCancelled(t) && ctx.Err() == nil && r.stop.Err() == nil
}

// gangPlacement is one placement of a linked gang: the attempt it belongs
// to (counted against maxAttempts), its own number (every placement names
// a job network of its own) and, for a placement again after providers
// refused tasks at send time, those tasks as they ended.
type gangPlacement struct {
	attempt, placement int
	refused            []store.Job
}

// started reports whether task tk's current execution started: its
// provider accepted it (its attempt was recorded with the deal it runs
// under). A task its provider refused when it was sent, or that was never
// sent, did not.
func (r *Requester) started(tk store.Job) bool {
	as, err := r.cfg.Store.Attempts(context.Background(), tk.ID)
	if err != nil {
		return true // unknown: count it, as before refusals were told apart
	}
	for _, a := range as {
		if a.ExecutionID == tk.ExecutionID {
			return len(a.Deal) > 0
		}
	}
	return false
}

// sendRefusals looks at a linked gang's placement that ended with a task
// failed or lost: the tasks that failed without having started (their
// provider refused them when they were sent), and whether any task failed
// or was lost after it started, which uses up the attempt.
func (r *Requester) sendRefusals(tasks []store.Job) (refused []store.Job, started bool) {
	for _, tk := range tasks {
		switch {
		case tk.State == job.StateLost:
			started = true
		case tk.State == job.StateFailed && r.started(tk):
			started = true
		case tk.State == job.StateFailed:
			refused = append(refused, tk)
		}
	}
	return refused, started
}

// gangAttempt is where gang g is: its attempt, counted against
// maxAttempts, and its placement. Every task of a linked gang has one
// attempt row per placement it was sent in, so the placements are the
// most rows any task has (at least 1); placements again after a refusal
// at send time are no attempts: each left a row without a deal on the
// refused task, and the attempt is the placements less the most such rows
// any one task has (when refusals fell on different tasks this counts
// too many attempts, never too few).
func (r *Requester) gangAttempt(g *store.Job) (attempt, placement int) {
	placement = 1
	refusedRounds := 0
	tasks, err := r.cfg.Store.Tasks(context.Background(), g.ID)
	if err != nil {
		return 1, 1
	}
	for _, tk := range tasks {
		as, err := r.cfg.Store.Attempts(context.Background(), tk.ID)
		if err != nil {
			continue
		}
		placement = max(placement, len(as))
		n := 0
		for _, a := range as {
			if len(a.Deal) == 0 && a.State == job.StateFailed {
				n++ // refused when sent (one cancelled before it was sent is no refusal)
			}
		}
		refusedRounds = max(refusedRounds, n)
	}
	return max(1, placement-refusedRounds), placement
}

// restartGang places every task of linked gang g again after its
// placement ended (ended are the tasks as they ended), with new quotes,
// deals and executions, as placement next: the next attempt after a task
// failed or was lost (not on providers that were lost while others can
// hold the gang), or the same attempt again after providers refused tasks
// at send time (not on those, in excluded, while others can hold it).
// Each task starts from the checkpoint checkpointPlan picks. When the
// placement fails the task rows keep the state they ended in.
func (r *Requester) restartGang(ctx context.Context, g *store.Job, t *tracked, ended []store.Job, next gangPlacement, excluded map[string]bool) error {
	carry, plan := r.checkpointPlan(ended)
	g.ExitCode, g.Error = nil, ""
	if len(next.refused) > 0 {
		var who []string
		for _, tk := range next.refused {
			who = append(who, fmt.Sprintf("task %d's provider %s refused it when it was sent (%s)", tk.TaskIndex, tk.Provider, refusal(tk)))
		}
		r.update(g, job.StatePending, fmt.Sprintf("gang attempt %d of %d: %s; placing every task again without it, which uses up no attempt: %s",
			next.attempt, g.Spec.MaxAttempts, strings.Join(who, ", "), plan))
	} else {
		why, lost := restartCause(ended)
		excluded = lost
		r.update(g, job.StatePending, fmt.Sprintf("gang attempt %d of %d: %s; restarting every task: %s", next.attempt, g.Spec.MaxAttempts, why, plan))
	}
	tasks := make([]store.Job, len(ended))
	for i, tk := range ended {
		tk.ExecutionID, tk.Provider, tk.ResultDigest, tk.ExitCode, tk.Error = job.NewID(), "", "", nil, ""
		tasks[i] = tk
	}
	deals, err := r.placeGangQueued(ctx, g, t, tasks, excluded)
	if err != nil {
		return err
	}
	if r.isCancelled(t) {
		r.declineAll(tasks, deals)
		return context.Canceled
	}
	// The rows name their new providers before any task is sent: each
	// provider is told every task's (members).
	nodes := map[string]bool{}
	for i := range tasks {
		nodes[tasks[i].Provider] = true
		r.update(&tasks[i], job.StatePending, fmt.Sprintf("gang attempt %d: placed on %s with every task of the job", next.attempt, tasks[i].Provider))
	}
	r.update(g, job.StatePending, fmt.Sprintf("gang attempt %d: placed %d tasks on %d providers", next.attempt, len(tasks), len(nodes)))
	for i := range tasks {
		r.startTask(tasks[i], deals[i:i+1], false, &linkedRun{attempt: next.placement, carry: carry[i]})
	}
	return nil
}

// refusal is what task tk's provider answered when it refused the task:
// its line of the task's error ("PROVIDER: why"), or the whole error.
func refusal(tk store.Job) string {
	for _, line := range strings.Split(tk.Error, "\n") {
		if why, ok := strings.CutPrefix(strings.TrimSpace(line), tk.Provider+": "); ok {
			return why
		}
	}
	return tk.Error
}

// restartCause says why a linked gang's attempt ended, from its tasks as
// they ended: lost providers first (they are left out of the next
// placement: excluded), then failed tasks.
func restartCause(ended []store.Job) (string, map[string]bool) {
	excluded := map[string]bool{}
	var lost, failed []string
	for _, tk := range ended {
		switch tk.State {
		case job.StateLost:
			lost = append(lost, fmt.Sprintf("task %d's provider %s was lost", tk.TaskIndex, tk.Provider))
			if tk.Provider != "" {
				excluded[tk.Provider] = true
			}
		case job.StateFailed:
			failed = append(failed, fmt.Sprintf("task %d failed (%s)", tk.TaskIndex, tk.Error))
		}
	}
	causes := append(lost, failed...)
	if len(causes) == 0 {
		return "a task ended", excluded
	}
	return strings.Join(causes, ", "), excluded
}

// gangEnded records the gang's progress from its tasks' states and, when
// every task has ended, its final state; true then.
func (r *Requester) gangEnded(g *store.Job, t *tracked, tasks []store.Job, stopping string, attempt int, outOfAttempts bool) bool {
	counts := map[job.State]int{}
	for _, tk := range tasks {
		counts[tk.State]++
	}
	n := len(tasks)
	ended := 0
	for st, c := range counts {
		if st.Terminal() {
			ended += c
		}
	}
	if ended < n {
		state := job.StatePending
		switch {
		case counts[job.StateRunning] == n:
			state = job.StateRunning
		case counts[job.StateRunning]+counts[job.StatePreparing] > 0:
			state = job.StatePreparing
		case counts[job.StateVerifying] > 0:
			state = job.StateVerifying // each task's result checked against its validators'
		case counts[job.StateQueued] > 0:
			state = job.StateQueued
		}
		if state != g.State && stopping == "" {
			r.update(g, state, fmt.Sprintf("%d of %d tasks running", counts[job.StateRunning], n))
		}
		return false
	}
	switch {
	case r.isCancelled(t):
		g.Error = "cancelled by the requester"
		r.update(g, job.StateCancelled, g.Error)
	case stopping != "" && outOfAttempts:
		r.fail(g, fmt.Sprintf("%s (gang attempt %d of %d: no attempts left)", stopping, attempt, g.Spec.MaxAttempts))
	case stopping != "":
		r.fail(g, stopping)
	default:
		if err := r.gather(g, tasks); err != nil {
			r.fail(g, fmt.Sprintf("gather the outputs: %v", err))
			return true
		}
		zero := 0
		g.ExitCode = &zero
		r.update(g, job.StateCompleted, fmt.Sprintf("all %d tasks completed", n))
	}
	return true
}

// gather makes the gang's result: the tree of its tasks' outputs (each
// checked against its digest when fetched) and its digest.
func (r *Requester) gather(g *store.Job, tasks []store.Job) error {
	dir := r.OutputsDir(g.ID)
	for _, tk := range tasks {
		if err := os.MkdirAll(filepath.Join(dir, taskDir(tk.TaskIndex)), 0o755); err != nil {
			return err
		}
	}
	_, digest, err := data.Digest(dir)
	if err != nil {
		return err
	}
	g.ResultDigest = digest
	return nil
}

// Tasks returns the tasks of multi-task job id, in task order (none for a
// single-task job or one not placed yet).
func (r *Requester) Tasks(ctx context.Context, id string) ([]store.Job, error) {
	return r.cfg.Store.Tasks(ctx, id)
}

// TaskLogs writes the logs of task index of job id to w; with follow it
// streams until the task ends.
func (r *Requester) TaskLogs(ctx context.Context, id string, index int, follow bool, w io.Writer) error {
	for {
		tasks, err := r.cfg.Store.Tasks(ctx, id)
		if err != nil {
			return err
		}
		if index < len(tasks) {
			return r.Logs(ctx, tasks[index].ID, follow, w)
		}
		g, err := r.cfg.Store.GetJob(ctx, id)
		if err != nil {
			return err
		}
		if index >= g.Spec.TaskCount() || index < 0 {
			return fmt.Errorf("job %s has %d tasks: no task %d", id, g.Spec.TaskCount(), index)
		}
		if !follow || g.State.Terminal() {
			return nil // not placed: no logs yet
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(queuePoll):
		}
	}
}

// gangLogs writes the logs of every task of gang id, each line prefixed
// with its task ("task-1| "); with follow, lines are interleaved as they
// come until every task ends.
func (r *Requester) gangLogs(ctx context.Context, g store.Job, follow bool, w io.Writer) error {
	var mu sync.Mutex
	out := func(i int) *prefixWriter { return &prefixWriter{w: w, mu: &mu, prefix: []byte(taskDir(i) + "| ")} }
	if !follow {
		tasks, err := r.cfg.Store.Tasks(ctx, g.ID)
		if err != nil {
			return err
		}
		for _, tk := range tasks {
			pw := out(tk.TaskIndex)
			if err := r.Logs(ctx, tk.ID, false, pw); err != nil {
				return err
			}
			pw.flush()
		}
		return nil
	}
	errs := make([]error, g.Spec.TaskCount())
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			pw := out(i)
			errs[i] = r.TaskLogs(ctx, g.ID, i, true, pw)
			pw.flush()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// Every task has ended; the job ends when its driver has seen them.
	r.mu.Lock()
	l := r.logs[g.ID]
	r.mu.Unlock()
	for l != nil {
		done, changed := l.state()
		if done {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
	return nil
}

// prefixWriter writes whole lines to w, each with prefix, under mu.
type prefixWriter struct {
	w      io.Writer
	mu     *sync.Mutex
	prefix []byte
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	i := bytes.LastIndexByte(p.buf, '\n')
	if i < 0 {
		if len(p.buf) < 64<<10 {
			return len(b), nil
		}
		i = len(p.buf) - 1 // an endless line goes out in pieces
	}
	err := p.emit(p.buf[:i+1])
	p.buf = append(p.buf[:0], p.buf[i+1:]...)
	return len(b), err
}

// flush writes what is left of an unfinished last line.
func (p *prefixWriter) flush() {
	if len(p.buf) > 0 {
		_ = p.emit(append(p.buf, '\n'))
		p.buf = p.buf[:0]
	}
}

func (p *prefixWriter) emit(lines []byte) error {
	var b []byte
	for len(lines) > 0 {
		i := bytes.IndexByte(lines, '\n')
		b = append(append(b, p.prefix...), lines[:i+1]...)
		lines = lines[i+1:]
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err := p.w.Write(b)
	if fl, ok := p.w.(interface{ Flush() }); ok {
		fl.Flush()
	}
	return err
}
