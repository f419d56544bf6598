package devnet_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/data/gittest"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/exec/exectest"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/store"
)

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fileServer serves files by path.
func fileServer(t *testing.T, files map[string][]byte) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, r.URL.Path, time.Time{}, bytes.NewReader(b))
	}))
	t.Cleanup(s.Close)
	return s.URL
}

func submitWait(t *testing.T, c *client.Client, spec job.Spec) (store.Job, string) {
	t.Helper()
	j, err := c.Submit(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	return waitDone(t, c, j.ID)
}

func outputs(t *testing.T, c *client.Client, id string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := c.Outputs(context.Background(), id, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestInputsEndToEnd(t *testing.T) {
	needDocker(t)
	net := start(t, t.TempDir())
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	dataset := bytes.Repeat([]byte("row,1\n"), 50_000) // 300 KB
	base := fileServer(t, map[string][]byte{"/data.csv": dataset})
	repo := gittest.NewRepo(t,
		gittest.Commit{Files: map[string]string{"train.py": "print('first')\n"}, Tag: "v1", Annotated: true},
		gittest.Commit{Files: map[string]string{"train.py": "print('second')\n"}})
	repoURL, c1 := repo.URL, repo.Commits[0]

	// url + git (at a tag) + inline inputs, read by the task and copied to
	// its outputs.
	spec := job.Spec{APIVersion: job.APIVersion, Image: image,
		Inputs: []job.Input{
			{Name: "data", URL: base + "/data.csv", SHA256: hexSHA(dataset)},
			{Name: "code", Git: &job.GitInput{URL: repoURL, Ref: "v1"}},
			{Name: "cfg", Inline: &job.InlineInput{Files: map[string]string{"sub/a.txt": "inline ok"}}},
		},
		Command: []string{"sh", "-c", `cat /inputs/code/train.py; cp /inputs/data /outputs/data.csv; cp /inputs/code/train.py /outputs/;
			cat /inputs/cfg/sub/a.txt > /outputs/cfg.txt; if touch /inputs/x 2>/dev/null; then echo inputs writable; exit 3; fi`}}
	got, logs := submitWait(t, c, spec)
	if got.State != job.StateCompleted {
		t.Fatalf("job %s: %s\nlogs: %s", got.State, got.Error, logs)
	}
	if logs != "print('first')\n" {
		t.Fatalf("logs %q", logs)
	}
	out := outputs(t, c, got.ID)
	if readFile(t, filepath.Join(out, "data.csv")) != string(dataset) || readFile(t, filepath.Join(out, "train.py")) != "print('first')\n" ||
		readFile(t, filepath.Join(out, "cfg.txt")) != "inline ok" {
		t.Fatal("outputs do not hold the inputs")
	}
	d, err := c.Job(context.Background(), got.ID)
	if err != nil {
		t.Fatal(err)
	}
	var progress, commit bool
	for _, e := range d.Events {
		progress = progress || strings.HasPrefix(e.Message, "fetching input data: ") && strings.Contains(e.Message, " of 0.3 MiB")
		commit = commit || e.Message == "fetched input code: commit "+c1
	}
	if !progress || !commit {
		t.Fatalf("events lack fetch progress (%v) or the commit (%v): %+v", progress, commit, d.Events)
	}

	// Failed fetches fail the job with the reason.
	tests := []struct {
		name  string
		input job.Input
		want  string
	}{
		{"wrong hash", job.Input{Name: "data", URL: base + "/data.csv", SHA256: hexSHA([]byte("x"))}, "fetch input data: fetch " + base + "/data.csv: sha256 mismatch"},
		{"404", job.Input{Name: "data", URL: base + "/nope", InsecureSkipHash: true}, "http error: 404 Not Found"},
		{"oversized", job.Input{Name: "data", URL: base + "/data.csv", SHA256: hexSHA(dataset), MaxSize: 1000}, "input larger than its size cap"},
		{"unknown commit", job.Input{Name: "code", Git: &job.GitInput{URL: repoURL, Ref: strings.Repeat("ab", 20)}}, "commit abababababababababababababababababababab is not in the repository"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := submitWait(t, c, job.Spec{APIVersion: job.APIVersion, Image: image, Inputs: []job.Input{tc.input},
				Command: []string{"sh", "-c", "echo must not run"}})
			if got.State != job.StateFailed || !strings.Contains(got.Error, tc.want) {
				t.Fatalf("job %s %q, want failed with %q", got.State, got.Error, tc.want)
			}
		})
	}
}

func TestWasmJobEndToEnd(t *testing.T) {
	mod := exectest.GuestModule(t)
	net := start(t, t.TempDir())
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	base := fileServer(t, map[string][]byte{"/guest.wasm": mod})
	inline := job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm, Wasm: &job.WasmModule{Inline: mod},
		Command: []string{"write", "answer.txt", "computed by wasm"}}
	byURL := job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm,
		Wasm: &job.WasmModule{URL: base + "/guest.wasm", SHA256: hexSHA(mod)}, Command: []string{"write", "answer.txt", "computed by wasm"}}
	// The same module, inline and by URL, run as two jobs: the output trees
	// have the same digest.
	a, logsA := submitWait(t, c, inline)
	b, logsB := submitWait(t, c, byURL)
	for _, j := range []store.Job{a, b} {
		if j.State != job.StateCompleted || j.ResultDigest == "" {
			t.Fatalf("wasm job %s: %s", j.State, j.Error)
		}
	}
	if a.ResultDigest != b.ResultDigest || logsA != logsB {
		t.Fatalf("two runs differ: %s %s\n%q\n%q", a.ResultDigest, b.ResultDigest, logsA, logsB)
	}
	for _, j := range []store.Job{a, b} {
		if got := readFile(t, filepath.Join(outputs(t, c, j.ID), "answer.txt")); got != "computed by wasm" {
			t.Fatalf("wasm output %q", got)
		}
	}

	// A wasm task reads its inputs read-only, as a container does.
	r, logs := submitWait(t, c, job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm, Wasm: &job.WasmModule{Inline: mod},
		Inputs: []job.Input{{Name: "cfg", Inline: &job.InlineInput{Files: map[string]string{"x": "from inline"}}}}, Command: []string{"read", "cfg/x"}})
	if r.State != job.StateCompleted || !strings.Contains(logs, "from inline") {
		t.Fatalf("wasm inputs: %s %q logs %q", r.State, r.Error, logs)
	}

	// A module whose hash does not match fails the job with the reason.
	bad, _ := submitWait(t, c, job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm,
		Wasm: &job.WasmModule{URL: base + "/guest.wasm", SHA256: hexSHA([]byte("x"))}, Command: []string{"determinism"}})
	if bad.State != job.StateFailed || !strings.Contains(bad.Error, "fetch wasm module") || !strings.Contains(bad.Error, "sha256 mismatch") {
		t.Fatalf("bad module: %s %q", bad.State, bad.Error)
	}
}

func TestResultInputChainsJobs(t *testing.T) {
	needDocker(t)
	net := start(t, t.TempDir())
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	first, _ := submitWait(t, c, job.Spec{APIVersion: job.APIVersion, Image: image,
		Command: []string{"sh", "-c", "mkdir /outputs/model; printf weights > /outputs/model/w.bin"}})
	if first.State != job.StateCompleted {
		t.Fatalf("first job %s: %s", first.State, first.Error)
	}
	chained := func() store.Job {
		got, logs := submitWait(t, c, job.Spec{APIVersion: job.APIVersion, Image: image,
			Inputs:  []job.Input{{Name: "prev", Result: &job.ResultInput{Job: first.ID}}},
			Command: []string{"sh", "-c", "cat /inputs/prev/model/w.bin; cp /inputs/prev/model/w.bin /outputs/again.bin"}})
		if got.State != job.StateCompleted || logs != "weights" {
			t.Fatalf("chained job %s %q logs %q", got.State, got.Error, logs)
		}
		if readFile(t, filepath.Join(outputs(t, c, got.ID), "again.bin")) != "weights" {
			t.Fatal("chained output")
		}
		return got
	}
	// Placed on the same provider, which holds the result itself.
	if same := chained(); same.Provider != first.Provider {
		t.Fatalf("expected the cheaper provider %s again, got %s", first.Provider, same.Provider)
	}

	// Make the holder the dearer provider: the next chained job runs on
	// the other one, which fetches the result over libp2p with the grant.
	holder := net.Nodes[1]
	if holder.PeerID() != first.Provider {
		t.Fatalf("first job ran on %s, want node1", first.Provider)
	}
	ob := holder.Provider().Onboarding()
	ob.Policy.Prices.CPUHour = 100 * money.Unit // far above node2
	ctx := context.Background()
	if err := holder.Provider().SetOnboarding(ctx, *ob); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		o, ok := net.Nodes[0].Catalog().Get(holder.PeerID())
		if ok && o.Prices.CPUHour == 100*money.Unit {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the requester never saw the new price")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if other := chained(); other.Provider != net.Nodes[2].PeerID() {
		t.Fatalf("chained job ran on %s, want node2", other.Provider)
	}

	// A result input naming a job that did not complete is refused.
	_, err = c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image,
		Inputs: []job.Input{{Name: "prev", Result: &job.ResultInput{Job: job.NewID()}}}})
	if err == nil || !strings.Contains(err.Error(), "inputs[0].result.job") {
		t.Fatalf("unknown job: %v", err)
	}
}

// TestInputFromProviderOwnAPI: a job whose url input points at its
// provider's own REST API (/metrics, open for Prometheus) fails with a
// reason the requester can act on when the provider keeps the default
// input policy, and runs once the provider allows loopback.
func TestInputFromProviderOwnAPI(t *testing.T) {
	needDocker(t)
	for _, tc := range []struct {
		name  string
		allow []string // nil: the devnet default, which allows loopback
		want  string   // "" for success
	}{
		{name: "default policy refuses", allow: []string{},
			want: "address 127.0.0.1 is loopback; the provider does not fetch from its own host (provider policy --input-allow-host)"},
		{name: "allowed host", allow: []string{"127.0.0.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			net := startWith(t, devnet.Config{Nodes: 2, NoChain: true, InputAllowHosts: tc.allow})
			defer net.Close()
			c, err := client.FromDataDir(net.DataDir(0))
			if err != nil {
				t.Fatal(err)
			}
			metrics := net.Nodes[1].APIURL() + "/metrics"
			got, logs := submitWait(t, c, job.Spec{APIVersion: job.APIVersion, Image: image,
				Inputs:  []job.Input{{Name: "m", URL: metrics, InsecureSkipHash: true}},
				Command: []string{"sh", "-c", "grep -c '^go_goroutines' /inputs/m"}})
			if tc.want == "" {
				if got.State != job.StateCompleted || logs != "1\n" {
					t.Fatalf("job %s %q, logs %q", got.State, got.Error, logs)
				}
				return
			}
			want := "fetch input m: fetch " + metrics + ": " + tc.want
			if got.State != job.StateFailed || !strings.Contains(got.Error, want) {
				t.Fatalf("job %s %q, want failed with %q", got.State, got.Error, want)
			}
			if strings.Contains(got.Error, net.DataDir(1)) || strings.Contains(logs, "go_goroutines") {
				t.Fatalf("the requester sees provider internals: %q %q", got.Error, logs)
			}
		})
	}
}
