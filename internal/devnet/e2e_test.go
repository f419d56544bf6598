package devnet_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/data"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/exec/docker"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/provider"
	"github.com/deco-network/deco/internal/store"
	"github.com/libp2p/go-libp2p/core/peer"
)

const image = "deco-busybox:latest"

var (
	imageOnce sync.Once
	imageErr  error
)

// needDocker skips without a Docker engine unless DECO_REQUIRE_DOCKER is
// set, and makes sure the test image exists.
func needDocker(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := docker.New(ctx, docker.Config{})
	if err != nil {
		if os.Getenv("DECO_REQUIRE_DOCKER") != "" {
			t.Fatalf("DECO_REQUIRE_DOCKER is set and the engine is unavailable: %v", err)
		}
		t.Skipf("no Docker engine: %v", err)
	}
	d.Close()
	imageOnce.Do(func() {
		out, err := exec.Command(filepath.Join("..", "..", "scripts", "build-busybox-image.sh")).CombinedOutput()
		if err != nil {
			imageErr = errors.New(string(out) + err.Error())
		}
	})
	if imageErr != nil {
		t.Fatalf("build test image: %v", imageErr)
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// start runs a three-node devnet in dir.
func start(t *testing.T, dir string) *devnet.Net {
	t.Helper()
	return startWith(t, devnet.Config{Dir: dir})
}

// waitDone follows the job's logs to the end (as `deco run` does) and
// returns the job.
func waitDone(t *testing.T, c *client.Client, id string) (store.Job, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var logs bytes.Buffer
	if err := c.Logs(ctx, id, true, &logs); err != nil {
		t.Fatalf("follow logs: %v", err)
	}
	d, err := c.Job(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !d.State.Terminal() {
		t.Fatalf("logs ended but job is %s", d.State)
	}
	return d.Job, logs.String()
}

func TestDockerJobEndToEnd(t *testing.T) {
	needDocker(t)
	dir := t.TempDir()
	net := start(t, dir)
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	spec := job.Spec{APIVersion: job.APIVersion, Image: image,
		Command: []string{"sh", "-c", "echo hello from deco; echo oops >&2; mkdir /outputs/sub; printf 42 > /outputs/sub/answer.txt"}}
	j, err := c.Submit(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if j.Provider == net.Nodes[0].PeerID() || j.Provider == "" {
		t.Fatalf("placed on %q, want a provider", j.Provider)
	}
	// Both providers fit; node1 is cheaper, so the scheduler picks it.
	if j.Provider != net.Nodes[1].PeerID() {
		t.Fatalf("placed on %s, want the cheaper provider %s", j.Provider, net.Nodes[1].PeerID())
	}
	got, logs := waitDone(t, c, j.ID)
	if got.State != job.StateCompleted || got.ExitCode == nil || *got.ExitCode != 0 {
		t.Fatalf("job ended %s exit %v: %s", got.State, got.ExitCode, got.Error)
	}
	if !strings.Contains(logs, "hello from deco\n") || !strings.Contains(logs, "oops\n") {
		t.Fatalf("logs %q", logs)
	}

	out := filepath.Join(t.TempDir(), "out")
	digest, err := c.Outputs(ctx, j.ID, out)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "sub", "answer.txt"))
	if err != nil || string(b) != "42" {
		t.Fatalf("output %q %v", b, err)
	}
	_, local, err := data.Digest(out)
	if err != nil || local != digest || digest != got.ResultDigest {
		t.Fatalf("digests: downloaded %s, announced %s, recomputed %s (%v)", digest, got.ResultDigest, local, err)
	}

	d, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	var states []job.State
	for _, e := range d.Events {
		if len(states) == 0 || states[len(states)-1] != e.State {
			states = append(states, e.State)
		}
	}
	want := []job.State{job.StatePending, job.StatePreparing, job.StateRunning, job.StateCompleted}
	if !equalStates(states, want) {
		t.Fatalf("transitions %v, want %v", states, want)
	}

	// A failing task: exit code and logs come back, the job is failed.
	j2, err := c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Command: []string{"sh", "-c", "echo bye; exit 7"}})
	if err != nil {
		t.Fatal(err)
	}
	got2, logs2 := waitDone(t, c, j2.ID)
	if got2.State != job.StateFailed || got2.ExitCode == nil || *got2.ExitCode != 7 || logs2 != "bye\n" {
		t.Fatalf("failing job: %s exit %v logs %q", got2.State, got2.ExitCode, logs2)
	}
}

func equalStates(a, b []job.State) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBadInputIsRefusedClearly(t *testing.T) {
	needDocker(t)
	net := start(t, t.TempDir())
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// Too big for any provider: the error lists each provider and why.
	_, err = c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Resources: job.Resources{CPU: 64000}})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != 422 {
		t.Fatalf("oversized job: %v", err)
	}
	for _, n := range net.Nodes[1:] {
		if !strings.Contains(err.Error(), n.PeerID()+": cpu: needs 64 cores") {
			t.Fatalf("no-fit error does not explain %s: %v", n.PeerID(), err)
		}
	}
	// Invalid spec: field errors, 400.
	_, err = c.Submit(ctx, job.Spec{APIVersion: "deco/v9", Image: "UPPER::bad", Resources: job.Resources{CPU: -1}})
	if !errors.As(err, &ce) || ce.Status != 400 || len(ce.Fields) < 3 {
		t.Fatalf("invalid spec: %v (%+v)", err, ce)
	}
	// An image that exists nowhere: the job fails with the reason.
	j, err := c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: "deco-test/does-not-exist:1"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := waitDone(t, c, j.ID)
	if got.State != job.StateFailed || !strings.Contains(got.Error, "does-not-exist") {
		t.Fatalf("missing image: %s %q", got.State, got.Error)
	}
}

func TestRestartKeepsIdentityOffersAndHistory(t *testing.T) {
	needDocker(t)
	dir := t.TempDir()
	net := start(t, dir)
	c, _ := client.FromDataDir(net.DataDir(0))
	ctx := context.Background()
	j, err := c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Command: []string{"sh", "-c", "echo kept"}})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := waitDone(t, c, j.ID)
	ids := []string{}
	for _, n := range net.Nodes {
		ids = append(ids, n.PeerID())
	}
	offerBefore := net.Nodes[1].Provider().Onboarding()
	net.Close()

	net2 := start(t, dir)
	defer net2.Close()
	for i, n := range net2.Nodes {
		if n.PeerID() != ids[i] {
			t.Fatalf("node%d identity changed: %s -> %s", i, ids[i], n.PeerID())
		}
	}
	if got := net2.Nodes[1].Provider().Onboarding(); got == nil || !reflect.DeepEqual(got.Policy.Prices, offerBefore.Policy.Prices) {
		t.Fatalf("provider policy lost: %+v", got)
	}
	c2, _ := client.FromDataDir(net2.DataDir(0))
	after, err := c2.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.State != before.State || after.ResultDigest != before.ResultDigest || len(after.Events) < 4 {
		t.Fatalf("history changed: before %+v after %+v", before, after.Job)
	}
	var logs bytes.Buffer
	if err := c2.Logs(ctx, j.ID, false, &logs); err != nil || logs.String() != "kept\n" {
		t.Fatalf("logs after restart %q %v", logs.String(), err)
	}
}

func TestCancelStopsTheContainer(t *testing.T) {
	needDocker(t)
	net := start(t, t.TempDir())
	defer net.Close()
	c, _ := client.FromDataDir(net.DataDir(0))
	ctx := context.Background()
	j, err := c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Command: []string{"sh", "-c", "echo started; sleep 300"}})
	if err != nil {
		t.Fatal(err)
	}
	// Wait until it runs (its first log line arrived).
	waitLog(t, c, j.ID, "started")
	t0 := time.Now()
	if err := c.Cancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := waitDone(t, c, j.ID)
	if got.State != job.StateCancelled {
		t.Fatalf("after cancel: %s (%s)", got.State, got.Error)
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Fatalf("cancel took %s", d)
	}
	// The provider's capacity is free again and it reports no execution.
	if n := net.Nodes[1].Provider().Running(); n != 0 {
		t.Fatalf("provider still runs %d executions", n)
	}
	if err := c.Cancel(ctx, j.ID); err == nil {
		t.Fatal("cancelling a finished job succeeded")
	}
}

// TestDiskRequestIsEnforced: where volumes are not used (DiskQuotaCheck), a
// task writing more to /outputs than its disk request is stopped with the
// reason, and the provider frees its capacity.
func TestDiskRequestIsEnforced(t *testing.T) {
	needDocker(t)
	net := startWith(t, devnet.Config{DiskQuota: provider.DiskQuotaCheck})
	defer net.Close()
	c, _ := client.FromDataDir(net.DataDir(0))
	t0 := time.Now()
	got, _ := submitWait(t, c, job.Spec{APIVersion: job.APIVersion, Image: image,
		Resources: job.Resources{Disk: 1 << 20},
		Command:   []string{"sh", "-c", "head -c 4194304 /dev/zero > /outputs/big; sleep 120"}})
	if got.State != job.StateFailed || !strings.Contains(got.Error, "disk request exceeded") {
		t.Fatalf("job %s (%q), want failed for its disk", got.State, got.Error)
	}
	if d := time.Since(t0); d > 30*time.Second {
		t.Fatalf("stopped after %s", d)
	}
	for _, n := range net.Nodes[1:] {
		if r := n.Provider().Running(); r != 0 {
			t.Fatalf("provider still runs %d executions", r)
		}
	}
	// Within its request a job writes what it likes.
	ok, _ := submitWait(t, c, job.Spec{APIVersion: job.APIVersion, Image: image,
		Resources: job.Resources{Disk: 8 << 20},
		Command:   []string{"sh", "-c", "head -c 4194304 /dev/zero > /outputs/big; sleep 3"}})
	if ok.State != job.StateCompleted {
		t.Fatalf("job within its disk request: %s (%q)", ok.State, ok.Error)
	}
}

// TestHostilePeerCannotCrashProvider sends oversized and malformed messages
// on the task protocol from a raw libp2p host; the provider refuses them
// and still runs the next job.
func TestHostilePeerCannotCrashProvider(t *testing.T) {
	needDocker(t)
	net := start(t, t.TempDir())
	defer net.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := p2p.New(ctx, p2p.Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	target := net.Nodes[1]
	if err := h.Connect(ctx, target.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	pid, _ := peer.Decode(target.PeerID())
	for _, payload := range [][]byte{
		{0xff, 0xff, 0xff, 0xff},                     // 4 GiB length prefix
		append([]byte{0, 0, 0, 5}, "{nope"...),       // malformed JSON
		append([]byte{0, 0, 0, 11}, `{"evil":1}`...), // unknown field (and short)
		append([]byte{0, 0, 0, 2}, "{}"...),          // empty request: invalid spec
	} {
		s, err := h.OpenStream(ctx, pid, p2p.ProtocolID(market.ProtoTask, 1))
		if err != nil {
			t.Fatal(err)
		}
		s.Write(payload)
		s.CloseWrite()
		var ev market.TaskEvent
		err = p2p.ReadMsg(s, &ev, market.MaxTaskEvent)
		s.Close()
		if err == nil && ev.Type != market.EventRejected {
			t.Fatalf("payload %q: provider answered %+v", payload, ev)
		}
	}
	c, _ := client.FromDataDir(net.DataDir(0))
	j, err := c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Command: []string{"echo", "still here"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, logs := waitDone(t, c, j.ID); got.State != job.StateCompleted || logs != "still here\n" {
		t.Fatalf("after hostile peer: %s %q", got.State, logs)
	}
}
