package requester

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/store"
)

// A booking is a job of kind booking: N tasks, one per provider, each a
// reservation that holds the task's resources on its provider for the
// window of the spec's timeout and runs nothing. It is placed as a gang
// (all or none, every quote released on failure) and, unlike a job, never
// queued: it is for now or refused with the placement report. Each task is
// quoted per hour from its provider's prices and paid per interval like
// any task, on the same channels and vouchers, so that a booking cancelled
// early costs the time it held. Jobs that name the booking (Spec.Booking)
// are not placed: task i goes to the booking's node i, under a deal priced
// at zero (the booking pays for the time), and the provider admits it
// against the reservation's capacity. The booking's rows are job rows, so
// a restart of this node resumes it as it resumes any job.

// ErrBookingEnded is returned for a job submitted into a booking that has
// ended (its deadline passed, or it was cancelled) or does not hold its
// nodes yet.
var ErrBookingEnded = errors.New("booking not open")

// BookingRequest asks for N providers for a window (`deco book`).
type BookingRequest struct {
	// Name is an optional label.
	Name string `json:"name,omitempty"`
	// Nodes is how many providers, each of its own.
	Nodes int `json:"nodes"`
	// Resources is what each node holds for the booking.
	Resources job.Resources `json:"resources"`
	// Duration is the window, from when the nodes are held.
	Duration job.Duration `json:"duration"`
	// MaxPricePerHour is the most one node may cost per hour (zero: no
	// ceiling).
	MaxPricePerHour money.Amount `json:"maxPricePerHour,omitempty"`
	// Constraints narrow the providers as a job's do.
	Constraints job.Constraints `json:"constraints,omitzero"`
}

// Spec is the booking's job spec.
func (b BookingRequest) Spec() job.Spec {
	s := job.Spec{APIVersion: job.APIVersion, Name: b.Name, Kind: job.KindBooking, Tasks: b.Nodes, Resources: b.Resources,
		Timeout: b.Duration, MaxPricePerHour: b.MaxPricePerHour, Constraints: b.Constraints, MaxAttempts: 1}
	s.Constraints.Group.DistinctProviders = true
	if s.Tasks == 1 {
		s.Tasks = 0 // one task is the default: the same spec, the same digest
	}
	return s
}

// Booking is a booking as this node knows it.
type Booking struct {
	ID        string        `json:"id"`
	Name      string        `json:"name,omitempty"`
	State     job.State     `json:"state"`
	Resources job.Resources `json:"resources"`
	// Duration is the window booked.
	Duration job.Duration `json:"duration"`
	// Nodes are the providers held, in task order (none until placed).
	Nodes []BookedNode `json:"nodes"`
	// PerHour is what the booking costs per hour, all nodes together.
	PerHour money.Amount `json:"perHour"`
	// Charged is what the providers' signed usage reports came to so far
	// (the time held, not the window).
	Charged   money.Amount `json:"charged"`
	CreatedAt time.Time    `json:"createdAt"`
	// StartsAt is when the first node was held; EndsAt is then plus the
	// window (each provider ends its own reservation by its own clock).
	StartsAt *time.Time `json:"startsAt,omitempty"`
	EndsAt   *time.Time `json:"endsAt,omitempty"`
	Error    string     `json:"error,omitempty"`
	// Jobs are the jobs submitted into the booking, newest first.
	Jobs []string `json:"jobs"`
}

// BookedNode is one provider of a booking.
type BookedNode struct {
	Task      int          `json:"task"`
	Provider  string       `json:"provider"`
	State     job.State    `json:"state"`
	Execution string       `json:"execution"`
	PerHour   money.Amount `json:"perHour"`
	Charged   money.Amount `json:"charged"`
}

// Book places a booking now, all or none; nothing that fits now is a
// *sched.NoFitError with the placement report.
func (r *Requester) Book(ctx context.Context, br BookingRequest) (Booking, error) {
	if br.Nodes < 1 {
		return Booking{}, fmt.Errorf("%w: %w", ErrInvalidSpec, job.FieldErrors{{Field: "nodes", Problem: fmt.Sprintf("must be at least 1, got %d", br.Nodes)}})
	}
	j, err := r.Submit(ctx, br.Spec())
	if err != nil {
		return Booking{}, err
	}
	return r.Booking(ctx, j.ID)
}

// Booking returns booking id (an ID or a unique prefix).
func (r *Requester) Booking(ctx context.Context, id string) (Booking, error) {
	j, err := r.cfg.Store.FindJob(ctx, id)
	if err != nil {
		return Booking{}, err
	}
	if !j.Spec.IsBooking() || j.Parent != "" {
		return Booking{}, fmt.Errorf("job %s is not a booking: %w", j.ID, store.ErrNotFound)
	}
	jobs, err := r.cfg.Store.ListJobs(ctx, "", maxBookingJobs)
	if err != nil {
		return Booking{}, err
	}
	return r.bookingView(ctx, j, jobs)
}

// maxBookingJobs is how many of the latest jobs are looked through for
// those run in a booking.
const maxBookingJobs = 1000

// Bookings lists this node's bookings, newest first.
func (r *Requester) Bookings(ctx context.Context, limit int) ([]Booking, error) {
	jobs, err := r.cfg.Store.ListJobs(ctx, "", max(limit, maxBookingJobs))
	if err != nil {
		return nil, err
	}
	out := []Booking{}
	for _, j := range jobs {
		if !j.Spec.IsBooking() {
			continue
		}
		b, err := r.bookingView(ctx, j, jobs)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// CancelBooking ends booking id now: its reservations are cancelled (the
// providers stop the jobs in it) and the time not used is not charged.
func (r *Requester) CancelBooking(ctx context.Context, id string) error {
	b, err := r.Booking(ctx, id)
	if err != nil {
		return err
	}
	return r.Cancel(ctx, b.ID)
}

// bookingRows are a booking's task rows (the booking itself when it has
// one node).
func (r *Requester) bookingRows(ctx context.Context, b store.Job) ([]store.Job, error) {
	if b.Spec.TaskCount() == 1 {
		return []store.Job{b}, nil
	}
	return r.cfg.Store.Tasks(ctx, b.ID)
}

// bookingView is booking j as shown, with the jobs among jobs that ran in
// it.
func (r *Requester) bookingView(ctx context.Context, j store.Job, jobs []store.Job) (Booking, error) {
	b := Booking{ID: j.ID, Name: j.Name, State: j.State, Resources: j.Spec.Resources, Duration: j.Spec.Timeout,
		CreatedAt: j.CreatedAt, Error: j.Error, Nodes: []BookedNode{}, Jobs: []string{}}
	rows, err := r.bookingRows(ctx, j)
	if err != nil {
		return b, err
	}
	for _, t := range rows {
		if t.Provider == "" {
			continue // not placed
		}
		n := BookedNode{Task: t.TaskIndex, Provider: t.Provider, State: t.State, Execution: t.ExecutionID}
		as, err := r.cfg.Store.Attempts(ctx, t.ID)
		if err != nil {
			return b, err
		}
		for _, a := range as {
			if a.ExecutionID != t.ExecutionID {
				continue
			}
			if b.StartsAt == nil || a.StartedAt.Before(*b.StartsAt) {
				at := a.StartedAt
				b.StartsAt = &at
			}
			var d market.Deal
			if len(a.Deal) > 0 && json.Unmarshal(a.Deal, &d) == nil {
				n.PerHour = d.Quote.Terms.PerHour
			}
		}
		if us, err := r.cfg.Store.Usages(ctx, store.RoleRequester, t.ExecutionID); err == nil && len(us) > 0 {
			n.Charged = us[len(us)-1].Report.AmountDue
		}
		b.PerHour += n.PerHour
		b.Charged += n.Charged
		b.Nodes = append(b.Nodes, n)
	}
	if b.StartsAt != nil {
		end := b.StartsAt.Add(j.Spec.Timeout.Std())
		b.EndsAt = &end
	}
	for _, o := range jobs {
		if o.Spec.Booking == j.ID {
			b.Jobs = append(b.Jobs, o.ID)
		}
	}
	return b, nil
}

// openBooking checks that a job can be submitted into booking id now and
// returns its nodes in task order.
func (r *Requester) openBooking(ctx context.Context, id string) (store.Job, []string, error) {
	b, err := r.cfg.Store.GetJob(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!b.Spec.IsBooking() || b.Parent != "")) {
		return b, nil, fmt.Errorf("%w: %w", ErrInvalidSpec, job.FieldErrors{{Field: "booking", Problem: fmt.Sprintf("%s is no booking of this node (deco bookings lists them)", id)}})
	}
	if err != nil {
		return b, nil, err
	}
	if b.State.Terminal() {
		return b, nil, fmt.Errorf("%w: booking %s has ended (%s): %s", ErrBookingEnded, id, b.State, b.Error)
	}
	if b.State != job.StateRunning {
		return b, nil, fmt.Errorf("%w: booking %s is %s: jobs run in it once it holds all its nodes", ErrBookingEnded, id, b.State)
	}
	v, err := r.bookingView(ctx, b, nil)
	if err != nil {
		return b, nil, err
	}
	if v.EndsAt != nil && !r.now().Before(*v.EndsAt) {
		return b, nil, fmt.Errorf("%w: booking %s ended at %s", ErrBookingEnded, id, v.EndsAt.Format(time.RFC3339))
	}
	nodes := make([]string, len(v.Nodes))
	for i, n := range v.Nodes {
		nodes[i] = n.Provider
	}
	if len(nodes) != b.Spec.TaskCount() {
		return b, nil, fmt.Errorf("%w: booking %s holds %d of its %d nodes", ErrBookingEnded, id, len(nodes), b.Spec.TaskCount())
	}
	return b, nodes, nil
}

// submitInBooking is Submit for a job that names a booking: no placement,
// task i on the booking's node i, quoted there (at zero, the booking
// paying) within the booking's capacity, all or none.
func (r *Requester) submitInBooking(ctx context.Context, spec job.Spec) (store.Job, error) {
	b, nodes, err := r.openBooking(ctx, spec.Booking)
	if err != nil {
		return store.Job{}, err
	}
	if !spec.Resources.Fits(b.Spec.Resources) {
		return store.Job{}, fmt.Errorf("%w: %w", ErrInvalidSpec, job.FieldErrors{{Field: "resources",
			Problem: fmt.Sprintf("booking %s holds %s on each node; the job asks for %s per task", spec.Booking, b.Spec.Resources.Summary(), spec.Resources.Summary())}})
	}
	if n := spec.TaskCount(); n > len(nodes) {
		return store.Job{}, fmt.Errorf("%w: %w", ErrInvalidSpec, job.FieldErrors{{Field: "tasks",
			Problem: fmt.Sprintf("the job has %d tasks and booking %s holds %d nodes", n, spec.Booking, len(nodes))}})
	}
	// It runs once, on the booking's nodes: never placed elsewhere.
	spec.MaxAttempts = 1
	now := r.now()
	j := store.Job{ID: job.NewID(), Name: spec.Name, Spec: spec, SpecDigest: job.Digest(spec),
		State: job.StatePending, CreatedAt: now, UpdatedAt: now}
	rows := []store.Job{j}
	var tasks []store.Job
	if spec.TaskCount() > 1 {
		tasks = r.newTasks(j)
		rows = tasks
	} else {
		rows[0].ExecutionID = job.NewID()
	}
	deals, err := r.quoteSlots(ctx, rows, nodes[:len(rows)])
	if err != nil {
		return store.Job{}, err
	}
	if tasks == nil {
		j = rows[0]
		if err := r.makeDirs(j, nil); err != nil {
			r.declineAll(rows, deals)
			return store.Job{}, err
		}
		if err := r.cfg.Store.CreateJob(ctx, j); err != nil {
			r.declineAll(rows, deals)
			return store.Job{}, err
		}
		r.start(j, deals, false)
		return j, nil
	}
	if err := r.makeDirs(j, tasks); err != nil {
		r.declineAll(tasks, deals)
		return store.Job{}, err
	}
	if err := r.cfg.Store.CreateJobs(ctx, append([]store.Job{j}, tasks...)); err != nil {
		r.declineAll(tasks, deals)
		return store.Job{}, err
	}
	r.startGang(j, tasks, deals)
	return j, nil
}
