package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/store"
)

// Bookings, the provider's side. A task of a booking (a job of kind
// booking) is a reservation execution: quoted, dealt, metered and paid per
// interval like any task, but it runs no sandbox. It holds its resources
// in the ledger from its start until its deadline (the spec's timeout) or
// its cancel, and hands them to the jobs its requester submits into the
// booking: those are admitted against the reservation's capacity (a
// ledger of its own), priced at zero (the booking pays for the time), and
// stopped when the reservation ends. The reservation is recorded in the
// store (reservations), so a restart of the daemon takes it up again
// until its deadline. Time-lock sampling keys on the execution's spec
// (IsBooking) like on a service job's.

// ErrBookingEnded is the error of a job in a booking stopped because the
// booking ended (its deadline, or its requester cancelled it).
var ErrBookingEnded = errors.New("stopped: the booking it ran in ended")

// held is a reservation this provider holds.
type held struct {
	execution string
	booking   string
	requester string
	startedAt time.Time
	endsAt    time.Time
	// capacity is the reservation's resources and GPUs, from which the
	// jobs in the booking are given theirs.
	capacity *inventory.Ledger
	// jobs are the executions admitted into the booking here.
	jobs map[string]bool
	// ended is closed when the reservation is cancelled or stopped.
	ended  chan struct{}
	closed bool
}

// heldFor finds requester's reservation for booking (p.mu held).
func (p *Provider) heldForLocked(booking, requester string) *held {
	for _, h := range p.held {
		if h.booking == booking && h.requester == requester {
			return h
		}
	}
	return nil
}

// admitBookedLocked reserves a job's resources inside the booking it
// names, or says why not (p.mu held).
func (p *Provider) admitBookedLocked(id string, spec *job.Spec, requester string) (inventory.Allocation, error) {
	h := p.heldForLocked(spec.Booking, requester)
	if h == nil {
		return inventory.Allocation{}, fmt.Errorf("booking %s: no reservation of yours is held on this node (it ended, or the booking is not on this node)", spec.Booking)
	}
	now := p.now()
	if h.closed || !now.Before(h.endsAt) {
		return inventory.Allocation{}, fmt.Errorf("booking %s ended at %s: a job cannot start in it", spec.Booking, h.endsAt.Format(time.RFC3339))
	}
	alloc, err := h.capacity.Reserve(id, spec.Resources)
	if err != nil {
		total, _ := h.capacity.Total()
		free, _ := h.capacity.Free()
		return alloc, fmt.Errorf("booking %s holds %s here (%s free now); the job asks for more: %w",
			spec.Booking, total.Summary(), free.Summary(), err)
	}
	h.jobs[id] = true
	return alloc, nil
}

// allocationLocked is execution id's allocation, in the ledger or inside
// the booking it runs in (p.mu held).
func (p *Provider) allocationLocked(id string) (inventory.Allocation, bool) {
	if a, ok := p.ledger.Allocation(id); ok {
		return a, true
	}
	for _, h := range p.held {
		if h.jobs[id] {
			return h.capacity.Allocation(id)
		}
	}
	return inventory.Allocation{}, false
}

// unholdLocked frees what execution id holds: inside its booking for a
// job in one, else in the ledger (p.mu held).
func (p *Provider) unholdLocked(id string) {
	if !p.releaseBookedLocked(id) {
		_ = p.ledger.Release(id)
	}
}

// releaseBookedLocked frees a job's resources inside its booking (p.mu
// held); false when id is no job in a booking.
func (p *Provider) releaseBookedLocked(id string) bool {
	for _, h := range p.held {
		if h.jobs[id] {
			delete(h.jobs, id)
			_ = h.capacity.Release(id)
			return true
		}
	}
	return false
}

// reserveOnRestart takes up again, after a restart, the capacity of an
// execution found running: inside its booking for a job in one, else in
// the ledger.
func (p *Provider) reserveOnRestartLocked(e store.Execution) error {
	if e.Spec.InBooking() {
		_, err := p.admitBookedLocked(e.ID, &e.Spec, e.Requester)
		return err
	}
	_, err := p.ledger.Reserve(e.ID, e.Spec.Resources)
	return err
}

// openHeld starts holding a reservation's capacity: its own ledger of the
// resources and GPUs its execution was given.
func (p *Provider) openHeldLocked(e store.Execution, r store.Reservation) *held {
	alloc, _ := p.ledger.Allocation(e.ID)
	_, all := p.ledger.Total()
	var gpus []inventory.GPU
	for _, id := range alloc.GPUs {
		for _, g := range all {
			if g.UUID == id {
				gpus = append(gpus, g)
			}
		}
	}
	res := alloc.Resources
	if res.CPU == 0 && res.Memory == 0 {
		res = e.Spec.Resources // not in the ledger (a share smaller after a restart): the spec's
	}
	h := &held{execution: e.ID, booking: r.Booking, requester: r.Requester, startedAt: r.StartedAt, endsAt: r.EndsAt,
		capacity: inventory.NewLedger(res, gpus), jobs: map[string]bool{}, ended: make(chan struct{})}
	p.held[e.ID] = h
	return h
}

// hold is the run of a reservation execution: it records the reservation,
// reports it running, and waits for its deadline or its end.
func (p *Provider) hold(ctx context.Context, req *market.TaskRequest, out *sender) (exec.Result, error) {
	if err := os.MkdirAll(p.outputsDir(req.ExecutionID), 0o755); err != nil { // its result is the empty tree
		return exec.Result{}, errors.New("provider storage error: cannot make the outputs directory")
	}
	now := p.now()
	r := store.Reservation{Execution: req.ExecutionID, Booking: req.JobID, Requester: p.requesterOf(req.ExecutionID),
		StartedAt: now, EndsAt: now.Add(req.Spec.Timeout.Std())}
	if err := p.cfg.Store.PutReservation(ctx, r); err != nil {
		p.log.Error("store reservation", "execution", req.ExecutionID, "err", err)
		return exec.Result{}, errors.New("provider storage error: cannot record the reservation")
	}
	e := store.Execution{ID: req.ExecutionID, JobID: req.JobID, TaskIndex: req.TaskIndex, Requester: r.Requester, Spec: req.Spec,
		State: job.StateRunning, UpdatedAt: now}
	p.mu.Lock()
	h := p.openHeldLocked(e, r)
	p.mu.Unlock()
	p.markStarted(req.ExecutionID)
	if err := p.cfg.Store.PutExecution(ctx, e); err != nil {
		p.log.Warn("store execution", "err", err)
	}
	out.send(market.TaskEvent{Type: market.EventState, State: job.StateRunning})
	p.log.Info("booking reservation held", "execution", req.ExecutionID, "booking", r.Booking, "until", r.EndsAt)
	return p.waitHeld(ctx, h)
}

// requesterOf is the requester of a running execution.
func (p *Provider) requesterOf(id string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := p.running[id]; r != nil {
		return r.requester
	}
	return ""
}

// waitHeld waits until the reservation reaches its deadline (a completed
// execution), is cancelled or stopped (killed), or the daemon stops (the
// reservation stays recorded and the next start takes it up again). When
// it ends, the jobs running in the booking here are stopped.
func (p *Provider) waitHeld(ctx context.Context, h *held) (exec.Result, error) {
	res := exec.Result{StartedAt: h.startedAt}
	timer := time.NewTimer(max(h.endsAt.Sub(p.now()), 0))
	defer timer.Stop()
	select {
	case <-timer.C:
		res.FinishedAt = p.now()
	case <-h.ended:
		res.FinishedAt, res.Killed, res.ExitCode = p.now(), true, exec.KilledExitCode
	case <-ctx.Done():
		if p.stop.Err() != nil && !p.wasKilled(h.execution) {
			p.mu.Lock()
			delete(p.held, h.execution)
			p.mu.Unlock()
			return res, ctx.Err() // left to the next start
		}
		res.FinishedAt, res.Killed, res.ExitCode = p.now(), true, exec.KilledExitCode
	}
	p.endHeld(context.WithoutCancel(ctx), h, res.FinishedAt)
	return res, nil
}

// endHeld ends a reservation: recorded as ended, its jobs stopped, its
// capacity no longer handed out.
func (p *Provider) endHeld(ctx context.Context, h *held, at time.Time) {
	if err := p.cfg.Store.EndReservation(ctx, h.execution, at); err != nil {
		p.log.Warn("end reservation", "execution", h.execution, "err", err)
	}
	p.mu.Lock()
	h.closed = true
	var jobs []string
	for id := range h.jobs {
		jobs = append(jobs, id)
	}
	delete(p.held, h.execution)
	p.mu.Unlock()
	for _, id := range jobs {
		p.log.Info("booking ended; stopping a job in it", "booking", h.booking, "execution", id)
		p.stopFor(ctx, id, ErrBookingEnded)
	}
	// Their capacity is released with the reservation's; a job still
	// stopping no longer holds any of the ledger.
	p.mu.Lock()
	for _, id := range jobs {
		_ = h.capacity.Release(id)
	}
	p.mu.Unlock()
}

// killHeld ends a reservation at once (a cancel or a stop); false when id
// is no reservation held here.
func (p *Provider) killHeld(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.held[id]
	if h == nil {
		return false
	}
	if !h.closed {
		h.closed = true
		close(h.ended)
	}
	return true
}

// resumeHeld takes up a reservation after a restart: its capacity, its
// meter, and the wait for its deadline; false when it is not recorded as
// held (it is then lost, as any execution whose sandbox is gone).
func (p *Provider) resumeHeld(ctx context.Context, e store.Execution) bool {
	r, err := p.cfg.Store.Reservation(ctx, e.ID)
	if err != nil || r.EndedAt != nil || e.State != job.StateRunning {
		return false
	}
	p.mu.Lock()
	if _, err := p.ledger.Reserve(e.ID, e.Spec.Resources); err != nil {
		p.log.Warn("reattached reservation exceeds the current share", "execution", e.ID, "err", err)
	}
	p.running[e.ID] = &running{requester: e.Requester}
	h := p.openHeldLocked(e, r)
	p.mu.Unlock()
	// The meter resumes from the run time last reported: the time the
	// daemon was down is not billed (the deadline stays where it was).
	started := p.now()
	if us, err := p.cfg.Store.Usages(ctx, store.RoleProvider, e.ID); err == nil && len(us) > 0 {
		started = started.Add(-time.Duration(us[len(us)-1].Report.RunMillis) * time.Millisecond)
	}
	p.resumeMeter(ctx, e.ID, started)
	out := p.newFeed(e.ID, job.StateRunning)
	p.log.Info("took up a booking reservation of an earlier run", "execution", e.ID, "booking", r.Booking, "until", r.EndsAt)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.supervise(ctx, e, out, func(runCtx context.Context) (exec.Result, error) { return p.waitHeld(runCtx, h) })
	}()
	return true
}

// reconcileBookings, after a restart, marks ended the reservations
// recorded as held whose execution did not come back (live lists those
// that did), and stops the jobs found running in a booking that is no
// longer held here (it ended while the daemon was down).
func (p *Provider) reconcileBookings(ctx context.Context, execs []store.Execution, live map[string]bool) {
	rs, err := p.cfg.Store.HeldReservations(ctx)
	if err != nil {
		p.log.Warn("list reservations", "err", err)
	}
	p.mu.Lock()
	var orphans, stray []string
	for _, r := range rs {
		if p.held[r.Execution] == nil {
			orphans = append(orphans, r.Execution)
		}
	}
	for _, e := range execs {
		if e.Spec.InBooking() && live[e.ID] {
			if _, ok := p.allocationLocked(e.ID); !ok {
				stray = append(stray, e.ID)
			}
		}
	}
	p.mu.Unlock()
	for _, id := range orphans {
		if err := p.cfg.Store.EndReservation(ctx, id, p.now()); err != nil {
			p.log.Warn("end reservation", "execution", id, "err", err)
		}
	}
	for _, id := range stray {
		p.log.Info("the booking of a reattached job is no longer held; stopping it", "execution", id)
		p.stopFor(ctx, id, ErrBookingEnded)
	}
}
