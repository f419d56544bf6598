// Package api serves the node's REST API on loopback: identity, peers,
// offers, onboarding, jobs, logs and outputs. Every request needs the bearer
// token kept in the node's data directory; /metrics is open for Prometheus.
// This is the only package that decides HTTP status codes.
package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

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
	Logs(ctx context.Context, id string, follow bool, w io.Writer) error
	Cancel(ctx context.Context, id string) error
	// Outputs returns the directory of a completed job's checked outputs.
	Outputs(ctx context.Context, id string) (dir, digest string, err error)
	Onboarding(ctx context.Context) (OnboardingView, error)
	Onboard(ctx context.Context, p provider.Policy) (provider.Onboarding, error)
	Offboard(ctx context.Context) error
}

// ErrNoOutputs is returned by Backend.Outputs for a job without a result.
var ErrNoOutputs = errors.New("job has no outputs (yet)")

// New returns the API handler. metrics serves /metrics (may be nil).
func New(b Backend, token string, metrics http.Handler, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &server{b: b, log: logger}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/id", s.identity)
	mux.HandleFunc("GET /v1/peers", s.peers)
	mux.HandleFunc("GET /v1/offers", s.offers)
	mux.HandleFunc("GET /v1/onboarding", s.onboarding)
	mux.HandleFunc("PUT /v1/onboarding", s.onboard)
	mux.HandleFunc("DELETE /v1/onboarding", s.offboard)
	mux.HandleFunc("POST /v1/jobs", s.submit)
	mux.HandleFunc("GET /v1/jobs", s.jobs)
	mux.HandleFunc("GET /v1/jobs/{id}", s.job)
	mux.HandleFunc("GET /v1/jobs/{id}/logs", s.logs)
	mux.HandleFunc("POST /v1/jobs/{id}/cancel", s.cancel)
	mux.HandleFunc("GET /v1/jobs/{id}/outputs", s.outputs)
	s.routeWallet(mux)
	authed := requireToken(token, mux)
	root := http.NewServeMux()
	if metrics != nil {
		root.Handle("GET /metrics", metrics)
	}
	root.Handle("/", authed)
	return root
}

func requireToken(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if token == "" || subtle.ConstantTimeCompare(got, want) != 1 {
			writeJSON(w, http.StatusUnauthorized, Error{Error: "missing or wrong bearer token (it is in the node's data directory: api-token)"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

type server struct {
	b   Backend
	log *slog.Logger
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
	case errors.Is(err, requester.ErrInvalidSpec), errors.Is(err, ErrBadRequest), errors.Is(err, settle.ErrZeroAmount):
		writeJSON(w, http.StatusBadRequest, Error{Error: err.Error()})
	case errors.As(err, &nf):
		writeJSON(w, http.StatusUnprocessableEntity, Error{Error: err.Error(), Placement: nf.Report})
	case errors.Is(err, requester.ErrNoQuote):
		writeJSON(w, http.StatusUnprocessableEntity, Error{Error: err.Error()})
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusNotFound, Error{Error: err.Error()})
	case errors.Is(err, requester.ErrNotRunning), errors.Is(err, ErrNoOutputs), errors.Is(err, settle.ErrNoSettlement),
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
	if err := decodeStrict(r.Body, &p, 1<<20); err != nil {
		s.fail(w, err)
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

func decodeStrict(body io.Reader, v any, max int64) error {
	dec := json.NewDecoder(io.LimitReader(body, max))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	return nil
}

func (s *server) submit(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, job.MaxSpecSize+1))
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
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	jobs, err := s.b.Jobs(r.Context(), job.State(r.URL.Query().Get("state")), limit)
	if err != nil {
		s.fail(w, err)
		return
	}
	if jobs == nil {
		jobs = []store.Job{}
	}
	writeJSON(w, http.StatusOK, jobs)
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
	follow := r.URL.Query().Get("follow") == "1" || r.URL.Query().Get("follow") == "true"
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	var out io.Writer = w
	if f != nil {
		out = flushWriter{w, f}
		f.Flush()
	}
	if err := s.b.Logs(r.Context(), id, follow, out); err != nil && r.Context().Err() == nil {
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
