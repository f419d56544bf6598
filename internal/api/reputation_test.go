package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// reputationBackend is a fakeBackend that keeps reputations.
type reputationBackend struct {
	fakeBackend
	gotLimit int
}

func (b *reputationBackend) Reputation(_ context.Context, node string, limit int) (Reputation, error) {
	b.gotLimit = limit
	if node == "bad" {
		return Reputation{}, fmt.Errorf("%w: node: not a peer ID", ErrBadRequest)
	}
	return Reputation{Node: node, Score: 0.4, Known: true, Count: 1}, nil
}

func TestReputationEndpoint(t *testing.T) {
	rb := &reputationBackend{}
	tests := []struct {
		name      string
		backend   Backend
		path      string
		status    int
		wantLimit int
	}{
		{"default limit", rb, "/v1/reputation/16Uiu2node", 200, DefaultReputationLimit},
		{"limit", rb, "/v1/reputation/16Uiu2node?limit=3", 200, 3},
		{"limit zero", rb, "/v1/reputation/16Uiu2node?limit=0", 200, 0},
		{"limit too large", rb, "/v1/reputation/16Uiu2node?limit=1001", 400, -1},
		{"limit not a number", rb, "/v1/reputation/16Uiu2node?limit=x", 400, -1},
		{"unknown query", rb, "/v1/reputation/16Uiu2node?since=1", 400, -1},
		{"node the backend refuses", rb, "/v1/reputation/bad", 400, DefaultReputationLimit},
		{"node too long", rb, "/v1/reputation/" + strings.Repeat("a", 200), 400, -1},
		{"no reputation kept", &fakeBackend{}, "/v1/reputation/16Uiu2node", 501, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rb.gotLimit = -1
			h := New(tc.backend, "tok", nil, nil)
			req := httptest.NewRequest("GET", tc.path, nil)
			req.Header.Set("Authorization", "Bearer tok")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if rb.gotLimit != tc.wantLimit {
				t.Fatalf("backend asked for %d attestations, want %d", rb.gotLimit, tc.wantLimit)
			}
			if tc.status == 200 {
				var v Reputation
				if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v.Node != "16Uiu2node" || v.Score != 0.4 || !v.Known {
					t.Fatalf("body %s: %v", rec.Body, err)
				}
			}
		})
	}
}
