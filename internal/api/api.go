// Package api serves the node's REST API on loopback: identity, peers,
// offers, onboarding, jobs, logs, outputs and the wallet. Every request
// needs the bearer token kept in the node's data directory; /metrics (for
// Prometheus) and /v1/openapi.yaml (the API's OpenAPI document) are open.
// Requests are checked before any route sees them (URL, token, per-client
// rate limit, method, path IDs, query, body type and size) and every
// refusal is a JSON Error. This is the only package that decides HTTP
// status codes.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/deco-network/deco/internal/data"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/provider"
	"github.com/deco-network/deco/internal/requester"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// Backend is what the API needs from the node.
type Backend interface {
	Identity() Identity
	Peers() []Peer
	Offers() []offer.Offer
	Submit(ctx context.Context, spec job.Spec) (store.Job, error)
	Jobs(ctx context.Context, state job.State, limit int) ([]store.Job, error)
	Job(ctx context.Context, id string) (JobDetail, error)
	// JobID resolves a job ID or unique prefix to the full ID.
	JobID(ctx context.Context, prefix string) (string, error)
	// Logs writes job id's logs; task is a multi-task job's task, or -1
	// for every task's, each line prefixed by its task.
	Logs(ctx context.Context, id string, task int, follow bool, w io.Writer) error
	Cancel(ctx context.Context, id string) error
	// Forward connects to port (a name or number) of task of running
	// service job id; the connection's bytes travel on the returned stream.
	Forward(ctx context.Context, id string, task int, port string) (io.ReadWriteCloser, error)
	// Outputs returns the directory of a completed job's checked outputs.
	Outputs(ctx context.Context, id string) (dir, digest string, err error)
	Onboarding(ctx context.Context) (OnboardingView, error)
	Onboard(ctx context.Context, p provider.Policy) (provider.Onboarding, error)
	Offboard(ctx context.Context) error
}

// ErrNoOutputs is returned by Backend.Outputs for a job without a result.
var ErrNoOutputs = errors.New("job has no outputs (yet)")

// New returns the API handler. metrics serves /metrics (may be nil). Every
// route needs the bearer token but /metrics and /v1/openapi.yaml; requests
// are rate-limited per client (DefaultRate, DefaultBurst; see
// WithRateLimit) and bodies are capped per route.
func New(b Backend, token string, metrics http.Handler, logger *slog.Logger, opts ...Option) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	o := options{rate: DefaultRate, burst: DefaultBurst, clock: time.Now, bodyTimeout: DefaultBodyTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	s := &server{b: b, log: logger, metricsHandler: metrics, now: o.clock}
	g := &guard{s: s, mux: http.NewServeMux(), routes: map[string]route{}, bodyTimeout: o.bodyTimeout,
		authed: newClientLimiter(o), anon: newClientLimiter(o)}
	if token != "" {
		g.bearer = []byte("Bearer " + token)
	}
	for _, rt := range routes() {
		if o.metricsToken && rt.pattern == "/metrics" {
			rt.open = false
		}
		p := rt.method + " " + rt.pattern
		g.routes[p] = rt
		g.mux.Handle(p, g.serve(rt))
	}
	return g
}

type server struct {
	b              Backend
	log            *slog.Logger
	metricsHandler http.Handler
	now            func() time.Time
}

func (s *server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.metricsHandler == nil {
		writeJSON(w, http.StatusNotFound, Error{Error: "this node serves no metrics"})
		return
	}
	s.metricsHandler.ServeHTTP(w, r)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fail maps a domain error to its HTTP status and body.
func (s *server) fail(w http.ResponseWriter, err error) {
	var fe job.FieldErrors
	var nf *sched.NoFitError
	switch {
	case errors.Is(err, job.ErrSpecTooLarge):
		writeJSON(w, http.StatusRequestEntityTooLarge, Error{Error: err.Error()})
	case errors.As(err, &fe):
		body := Error{Error: err.Error()}
		for _, f := range fe {
			body.Fields = append(body.Fields, FieldProblem{Field: f.Field, Problem: f.Problem})
		}
		writeJSON(w, http.StatusBadRequest, body)
	case errors.Is(err, requester.ErrInvalidSpec), errors.Is(err, ErrBadRequest), errors.Is(err, settle.ErrZeroAmount),
		errors.Is(err, store.ErrAmbiguous):
		writeJSON(w, http.StatusBadRequest, Error{Error: err.Error()})
	case errors.As(err, &nf):
		writeJSON(w, http.StatusUnprocessableEntity, Error{Error: err.Error(), Placement: nf.Report})
	case errors.Is(err, requester.ErrNoQuote):
		writeJSON(w, http.StatusUnprocessableEntity, Error{Error: err.Error()})
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusNotFound, Error{Error: err.Error()})
	case errors.Is(err, requester.ErrNotRunning), errors.Is(err, requester.ErrNotForwardable), errors.Is(err, requester.ErrBookingEnded), errors.Is(err, ErrNoOutputs), errors.Is(err, settle.ErrNoSettlement),
		errors.Is(err, settle.ErrNoWithdrawRequest), errors.Is(err, settle.ErrWithdrawTooEarly),
		errors.Is(err, settle.ErrInsufficientFunds):
		writeJSON(w, http.StatusConflict, Error{Error: err.Error()})
	default:
		s.log.Warn("api error", "err", err)
		writeJSON(w, http.StatusInternalServerError, Error{Error: err.Error()})
	}
}

// ErrBadRequest marks an error as the caller's: answered with 400. A
// Backend wraps it around input it cannot use.
var ErrBadRequest = errors.New("bad request")

func (s *server) identity(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.b.Identity())
}

func (s *server) peers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.b.Peers())
}

func (s *server) offers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.b.Offers())
}

func (s *server) onboarding(w http.ResponseWriter, r *http.Request) {
	v, err := s.b.Onboarding(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *server) onboard(w http.ResponseWriter, r *http.Request) {
	var p provider.Policy
	if !s.decode(w, r, &p) {
		return
	}
	ob, err := s.b.Onboard(r.Context(), p)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, Error{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, ob)
}

func (s *server) offboard(w http.ResponseWriter, r *http.Request) {
	if err := s.b.Offboard(r.Context()); err != nil {
		s.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// decodeJSON decodes body, one JSON object, into v strictly: unknown
// fields, an empty body, another kind of value and data after the object
// are errors (ErrBadRequest). The body's size was capped when it was read.
func decodeJSON(body []byte, v any) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return fmt.Errorf("%w: empty request body: want a JSON object", ErrBadRequest)
	}
	if trimmed[0] != '{' {
		return fmt.Errorf("%w: request body is not a JSON object", ErrBadRequest)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: truncated JSON: %w", ErrBadRequest, err)
		}
		return fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: data after the JSON object", ErrBadRequest)
	}
	return nil
}

// decode decodes the request body into v, or answers 400.
func (s *server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(r.Body)
	if err == nil {
		err = decodeJSON(body, v)
	}
	if err != nil {
		s.fail(w, err)
		return false
	}
	return true
}

func (s *server) submit(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.fail(w, fmt.Errorf("%w: %w", ErrBadRequest, err))
		return
	}
	spec, err := job.Parse(body)
	if err != nil {
		s.fail(w, errors.Join(requester.ErrInvalidSpec, err))
		return
	}
	j, err := s.b.Submit(r.Context(), spec)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, j)
}

func (s *server) jobs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 0
	if q.Has("limit") {
		v := q.Get("limit")
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxJobsLimit {
			s.fail(w, fmt.Errorf("%w: limit %s: want a whole number from 1 to %d", ErrBadRequest, quoteShort(v), MaxJobsLimit))
			return
		}
		limit = n
	}
	state := job.State(q.Get("state"))
	if state != "" && !slices.Contains(JobStates(), state) {
		s.fail(w, fmt.Errorf("%w: state %s: want one of %v", ErrBadRequest, quoteShort(string(state)), JobStates()))
		return
	}
	jobs, err := s.b.Jobs(r.Context(), state, limit)
	if err != nil {
		s.fail(w, err)
		return
	}
	if jobs == nil {
		jobs = []store.Job{}
	}
	writeJSON(w, http.StatusOK, jobs)
}

// MaxJobsLimit is the largest limit GET /v1/jobs takes.
const MaxJobsLimit = 1000

// JobStates are the states GET /v1/jobs (and the dashboard's jobs list)
// filter by.
func JobStates() []job.State {
	return []job.State{job.StatePending, job.StateQueued, job.StatePreparing, job.StateRunning,
		job.StateVerifying, job.StateCompleted, job.StateFailed, job.StateCancelled, job.StateLost}
}

func (s *server) job(w http.ResponseWriter, r *http.Request) {
	d, err := s.b.Job(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// flushWriter flushes after every write so followers see logs at once.
type flushWriter struct {
	w http.ResponseWriter
	f http.Flusher
}

func (fw flushWriter) Write(p []byte) (int, error) { return fw.w.Write(p) }
func (fw flushWriter) Flush()                      { fw.f.Flush() }

func (s *server) logs(w http.ResponseWriter, r *http.Request) {
	id, err := s.b.JobID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, err)
		return
	}
	var follow bool
	switch v, given := r.URL.Query().Get("follow"), r.URL.Query().Has("follow"); {
	case !given, v == "0", v == "false":
	case v == "1", v == "true":
		follow = true
	default:
		s.fail(w, fmt.Errorf("%w: follow %s: want 1, true, 0 or false", ErrBadRequest, quoteShort(v)))
		return
	}
	task := -1
	if v := r.URL.Query().Get("task"); r.URL.Query().Has("task") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n >= job.MaxTasks {
			s.fail(w, fmt.Errorf("%w: task %s: want a task index from 0 to %d", ErrBadRequest, quoteShort(v), job.MaxTasks-1))
			return
		}
		task = n
		d, err := s.b.Job(r.Context(), id)
		if err != nil {
			s.fail(w, err)
			return
		}
		if count := d.Spec.TaskCount(); task >= count {
			s.fail(w, fmt.Errorf("%w: job %s has %d task(s): no task %d", ErrBadRequest, id, count, task))
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	var out io.Writer = w
	if f != nil {
		out = flushWriter{w, f}
		f.Flush()
	}
	if err := s.b.Logs(r.Context(), id, task, follow, out); err != nil && r.Context().Err() == nil {
		s.log.Debug("logs", "job", id, "err", err)
	}
}

func (s *server) cancel(w http.ResponseWriter, r *http.Request) {
	if err := s.b.Cancel(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// DigestHeader carries the result digest of GET /v1/jobs/{id}/outputs.
const DigestHeader = "X-Deco-Result-Digest"

func (s *server) outputs(w http.ResponseWriter, r *http.Request) {
	dir, digest, err := s.b.Outputs(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-tar")
	w.Header().Set(DigestHeader, digest)
	if err := data.Pack(r.Context(), dir, w); err != nil {
		s.log.Warn("send outputs", "err", err)
	}
}
