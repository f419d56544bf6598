package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/deco-network/deco/internal/reputation"
)

// Limits of GET /v1/reputation/{node}.
const (
	// DefaultReputationLimit is how many recent attestations are listed
	// without ?limit.
	DefaultReputationLimit = 20
	// MaxReputationLimit is the largest ?limit.
	MaxReputationLimit = 1000
)

// ReputationBackend is what GET /v1/reputation/{node} needs from the node;
// a Backend that does not implement it answers 501.
type ReputationBackend interface {
	// Reputation returns what the node knows of node (a peer ID), with at
	// most limit recent attestations; an ID that is not a node's is
	// ErrBadRequest.
	Reputation(ctx context.Context, node string, limit int) (Reputation, error)
}

// Reputation answers GET /v1/reputation/{node}.
type Reputation struct {
	Node string `json:"node"`
	// Score is the node's reputation from 0 to 1 as this node derives it
	// from the attestations it holds (0.5, neutral, when it holds none).
	Score float64 `json:"score"`
	// Known: this node holds attestations about it.
	Known bool `json:"known"`
	// Slashed: a verdict against it was executed on chain (Score is 0).
	Slashed bool `json:"slashed,omitempty"`
	// Count is how many attestations about it this node holds.
	Count int `json:"count"`
	// Attestations are the latest of them, newest first.
	Attestations []reputation.Attestation `json:"attestations"`
}

func (s *server) reputation(w http.ResponseWriter, r *http.Request) {
	rb, ok := s.b.(ReputationBackend)
	if !ok {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this node keeps no reputation"})
		return
	}
	node := r.PathValue("node")
	if node == "" || len(node) > reputation.MaxIDLen {
		writeJSON(w, http.StatusBadRequest, Error{Error: fmt.Sprintf("node %s: want a peer ID", quoteShort(node))})
		return
	}
	limit := DefaultReputationLimit
	if q := r.URL.Query().Get("limit"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 0 || n > MaxReputationLimit {
			writeJSON(w, http.StatusBadRequest, Error{Error: fmt.Sprintf("limit %s: want 0 to %d", quoteShort(q), MaxReputationLimit)})
			return
		}
		limit = n
	}
	v, err := rb.Reputation(r.Context(), node, limit)
	s.reply(w, v, err)
}
