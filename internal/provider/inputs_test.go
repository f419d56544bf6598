package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/data/gittest"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/store"
)

// newInputProvider is a provider with the given input policy, for calling
// fetchInputs directly.
func newInputProvider(t *testing.T, allow []string) *Provider {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "deco.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, host := newHost(t)
	p, err := New(ctx, Config{Key: key, Host: host, Store: st, DataDir: dir, InputAllowHosts: allow})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFetchInputsLoopbackPolicy: a url or git input pointing at this
// host (here a stand-in for the node's own /metrics) is refused with a
// message that says why and names the policy, and is fetched once the
// policy allows the host.
func TestFetchInputsLoopbackPolicy(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "deco_node_secret 1\n")
	}))
	defer api.Close()
	repo := gittest.NewRepo(t, gittest.Commit{Files: map[string]string{"a": "a\n"}, Tag: "v1"})
	urlIn := job.Input{Name: "m", URL: api.URL + "/metrics", InsecureSkipHash: true}
	gitIn := job.Input{Name: "code", Git: &job.GitInput{URL: repo.URL, Ref: "v1"}}
	tests := []struct {
		name  string
		allow []string
		in    job.Input
		want  string // "" for success
	}{
		{name: "url refused", in: urlIn, want: "fetch input m: fetch " + api.URL + "/metrics: address 127.0.0.1 is loopback; " +
			"the provider does not fetch from its own host (provider policy --input-allow-host)"},
		{name: "git refused", in: gitIn, want: "fetch input code: git " + repo.URL + " at v1: address 127.0.0.1 is loopback; " +
			"the provider does not fetch from its own host (provider policy --input-allow-host)"},
		{name: "url allowed", allow: []string{"127.0.0.1"}, in: urlIn},
		{name: "git allowed", allow: []string{"127.0.0.0/8"}, in: gitIn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newInputProvider(t, tc.allow)
			id := job.NewID()
			dir := filepath.Join(p.execDir(id), "inputs")
			req := &market.TaskRequest{ExecutionID: id, Spec: job.Spec{Inputs: []job.Input{tc.in},
				Resources: job.Resources{Disk: 1 << 20}}}
			out := newSender(filepath.Join(t.TempDir(), "log"), time.Now, job.StatePreparing, 1<<20)
			_, err := p.fetchInputs(context.Background(), req, dir, out)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(filepath.Join(dir, tc.in.Name)); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("fetched from loopback")
			}
			msg := p.public(id, err.Error())
			if msg != tc.want {
				t.Fatalf("requester reads\n%s\nwant\n%s", msg, tc.want)
			}
			if strings.Contains(msg, p.cfg.DataDir) {
				t.Fatalf("message names a host path: %s", msg)
			}
		})
	}
}

// TestFetchWasmLoopbackPolicy: a wasm module by URL is held to the same
// policy as inputs.
func TestFetchWasmLoopbackPolicy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("\x00asm")) }))
	defer srv.Close()
	mod := &job.WasmModule{URL: srv.URL + "/m.wasm", SHA256: "6d8b9b7e7a4a6f3de6a6e15fbd7e1d44d66f1be5a8e36f0a3a3b6c3b0c7c3a51"}
	out := newSender(filepath.Join(t.TempDir(), "log"), time.Now, job.StatePreparing, 1<<20)
	_, err := newInputProvider(t, nil).fetchWasm(context.Background(), mod, t.TempDir(), out)
	if err == nil || !strings.Contains(err.Error(), "fetch wasm module: fetch "+mod.URL+": address 127.0.0.1 is loopback") {
		t.Fatalf("got %v", err)
	}
	// Allowed, the fetch goes through (and fails on the hash, not the address).
	_, err = newInputProvider(t, []string{"127.0.0.1"}).fetchWasm(context.Background(), mod, t.TempDir(), out)
	if err == nil || !strings.Contains(err.Error(), "sha256 mismatch") {
		t.Fatalf("allowed: got %v", err)
	}
}

func TestNewRefusesBadInputAllowHost(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "deco.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, host := newHost(t)
	if _, err := New(ctx, Config{Key: key, Host: host, Store: st, DataDir: dir, InputAllowHosts: []string{"http://x/"}}); err == nil ||
		!strings.Contains(err.Error(), `input allow host "http://x/"`) {
		t.Fatalf("got %v", err)
	}
}
