package api

import (
	"context"
	"net/http"

	"github.com/deco-network/deco/internal/store"
)

// UsageBackend is a Backend that keeps measured use (GET /v1/jobs/{id}/usage).
type UsageBackend interface {
	// Usage returns the measured use of job id's executions.
	Usage(ctx context.Context, id string) (JobUsage, error)
}

// JobUsage is the measured use of a job's executions, as this node knows it.
type JobUsage struct {
	JobID      string           `json:"jobId"`
	Executions []ExecutionUsage `json:"executions"`
}

// ExecutionUsage is one execution's series: the signed usage reports this
// node accepted for it as the requester, and the samples it took of it as
// the provider (a node that is both has both).
type ExecutionUsage struct {
	Execution string              `json:"execution"`
	TaskIndex int                 `json:"taskIndex"`
	Reports   []store.Usage       `json:"reports"`
	Samples   []store.UsageSample `json:"samples"`
}

func (s *server) usage(w http.ResponseWriter, r *http.Request) {
	ub, ok := s.b.(UsageBackend)
	if !ok {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this node keeps no usage series"})
		return
	}
	v, err := ub.Usage(r.Context(), r.PathValue("id"))
	s.reply(w, v, err)
}
