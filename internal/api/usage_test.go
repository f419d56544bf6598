package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/store"
)

func TestMetricsToken(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "metrics") })
	tests := []struct {
		name   string
		opts   []Option
		token  string
		status int
	}{
		{name: "loopback: open", status: 200},
		{name: "beyond loopback: refused without the token", opts: []Option{WithMetricsToken()}, status: 401},
		{name: "beyond loopback: wrong token", opts: []Option{WithMetricsToken()}, token: "nope", status: 401},
		{name: "beyond loopback: the token", opts: []Option{WithMetricsToken()}, token: "tok", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(&fakeBackend{}, "tok", metrics, nil, tt.opts...)
			req := httptest.NewRequest("GET", "/metrics", nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tt.status, rec.Body.String())
			}
		})
	}
}

// usageBackend is a fakeBackend that keeps usage series.
type usageBackend struct {
	fakeBackend
	err error
}

func (u *usageBackend) Usage(_ context.Context, id string) (JobUsage, error) {
	if u.err != nil {
		return JobUsage{}, u.err
	}
	return JobUsage{JobID: id, Executions: []ExecutionUsage{{Execution: "x1",
		Samples: []store.UsageSample{{Execution: "x1", CPUMillis: 42}}}}}, nil
}

func TestJobUsageRoute(t *testing.T) {
	tests := []struct {
		name    string
		b       Backend
		status  int
		contain string
	}{
		{name: "series", b: &usageBackend{}, status: 200, contain: `"cpuMillis":42`},
		{name: "unknown job", b: &usageBackend{err: store.ErrNotFound}, status: 404, contain: "not found"},
		{name: "a backend without series", b: &fakeBackend{}, status: 501, contain: "no usage series"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/v1/jobs/j1/usage", nil)
			req.Header.Set("Authorization", "Bearer tok")
			rec := httptest.NewRecorder()
			New(tt.b, "tok", nil, nil).ServeHTTP(rec, req)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.contain) {
				t.Fatalf("got %d %s, want %d containing %q", rec.Code, rec.Body.String(), tt.status, tt.contain)
			}
		})
	}
}
