package devnet_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	mobyclient "github.com/moby/moby/client"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/store"
)

// mlImage is the ML example's image, built by examples/train/build-image.sh.
const mlImage = "deco-python:latest"

// needMLImage skips (or fails with DECO_REQUIRE_ML=1) when the ML
// example's image or git is missing.
func needMLImage(t *testing.T) {
	t.Helper()
	if _, err := osexec.LookPath("git"); err != nil {
		needImageMissing(t, "DECO_REQUIRE_ML", "examples/train", "git is not installed (the test serves the code repository with git http-backend)")
	}
	needImage(t, mlImage, "DECO_REQUIRE_ML", "examples/train")
}

// needImage skips, or fails when the environment variable require is 1,
// when image is not in the local engine; example is the directory whose
// build-image.sh builds it.
func needImage(t *testing.T, image, require, example string) {
	t.Helper()
	needDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cli, err := mobyclient.New(mobyclient.WithHostFromEnv())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.Ping(ctx, mobyclient.PingOptions{NegotiateAPIVersion: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ImageInspect(ctx, image); cerrdefs.IsNotFound(err) {
		needImageMissing(t, require, example, fmt.Sprintf("the image %s does not exist", image))
	} else if err != nil {
		t.Fatalf("inspect %s: %v", image, err)
	}
}

func needImageMissing(t *testing.T, require, example, why string) {
	t.Helper()
	if os.Getenv(require) == "1" {
		t.Fatalf("%s=1 is set and %s", require, why)
	}
	t.Skipf("%s; this test runs where the image was built (CI builds it; by hand: sudo %s/build-image.sh)", why, example)
}

// gitHTTP makes a git repository holding files, commits them, and serves
// every repository under its parent over git's smart HTTP protocol with
// `git http-backend` (as examples/train/serve.py does). It returns the
// repository's URL and the commit.
func gitHTTP(t *testing.T, files map[string][]byte) (url, commit string) {
	t.Helper()
	root := t.TempDir()
	repo := filepath.Join(root, "train")
	gitCmd := func(args ...string) string {
		t.Helper()
		cmd := osexec.Command("git", append([]string{"-C", repo, "-c", "user.name=deco", "-c", "user.email=deco@example.org"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	gitCmd("init", "-q", "-b", "main")
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(repo, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		gitCmd("add", name)
	}
	gitCmd("commit", "-q", "-m", "training code")
	commit = gitCmd("rev-parse", "HEAD")
	gitPath, _ := osexec.LookPath("git")
	h := &cgi.Handler{Path: gitPath, Args: []string{"http-backend"}, Root: "/git",
		Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}}
	mux := http.NewServeMux()
	mux.Handle("/git/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "receive-pack") || strings.Contains(r.URL.RawQuery, "receive-pack") {
			http.Error(w, "read-only", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	}))
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s.URL + "/git/train", commit
}

// mlMetrics is the part of train.py's metrics.json the test checks.
type mlMetrics struct {
	Model      string `json:"model"`
	Parameters int    `json:"parameters"`
	Dataset    struct {
		SHA256    string `json:"sha256"`
		Rows      int    `json:"rows"`
		TrainRows int    `json:"train_rows"`
		TestRows  int    `json:"test_rows"`
	} `json:"dataset"`
	Final struct {
		TestAccuracy     float64 `json:"test_accuracy"`
		MajorityAccuracy float64 `json:"majority_class_accuracy"`
	} `json:"final"`
}

// TestMLJobEndToEnd is issue 3's ML job: the training code from a git
// repository at an exact commit, the dataset from a URL checked against its
// SHA-256, run in deco-python:latest on a provider of an in-process devnet,
// and model.npz and metrics.json fetched back. The spec is the one
// `deco run --git URL --ref COMMIT --dataset URL --dataset-sha256 HEX
// --image deco-python:latest --estimated-time 30m -- python3 train.py`
// builds.
func TestMLJobEndToEnd(t *testing.T) {
	needMLImage(t)
	trainPy, err := os.ReadFile(filepath.Join("..", "..", "examples", "train", "train.py"))
	if err != nil {
		t.Fatal(err)
	}
	dataset, err := os.ReadFile(filepath.Join("..", "..", "examples", "train", "data", "dataset.csv"))
	if err != nil {
		t.Fatal(err)
	}
	repoURL, commit := gitHTTP(t, map[string][]byte{"train.py": trainPy})
	base := fileServer(t, map[string][]byte{"/dataset.csv": dataset})
	net := start(t, t.TempDir())
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}

	spec := job.Spec{APIVersion: job.APIVersion, Image: mlImage,
		Inputs: []job.Input{
			{Name: "code", Git: &job.GitInput{URL: repoURL, Ref: commit}},
			{Name: "dataset", URL: base + "/dataset.csv", SHA256: hexSHA(dataset)},
		},
		// What the CLI's --git does to the command: run it in the checkout.
		Command: []string{"sh", "-c", `cd /inputs/code && exec "$@"`, "sh", "python3", "train.py"},
		Timeout: job.Duration(time.Hour), // --estimated-time 30m
	}
	spec.ApplyDefaults()
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	run := func() (store.Job, string, string) {
		t.Helper()
		started := time.Now()
		got, logs := submitWait(t, c, spec)
		t.Logf("job %s %s in %s on %s", got.ID, got.State, time.Since(started).Round(time.Millisecond), got.Provider)
		if got.State != job.StateCompleted || got.ExitCode == nil || *got.ExitCode != 0 {
			t.Fatalf("ML job %s exit %v: %s\nlogs:\n%s", got.State, got.ExitCode, got.Error, logs)
		}
		return got, logs, outputs(t, c, got.ID)
	}
	got, logs, out := run()
	if !strings.Contains(logs, "3000 rows, 2 features") || !strings.Contains(logs, "wrote /outputs/model.npz, /outputs/metrics.json") {
		t.Fatalf("logs:\n%s", logs)
	}

	var m mlMetrics
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, "metrics.json"))), &m); err != nil {
		t.Fatal(err)
	}
	if m.Dataset.SHA256 != hexSHA(dataset) || m.Dataset.Rows != 3000 || m.Dataset.TrainRows+m.Dataset.TestRows != 3000 {
		t.Fatalf("metrics dataset %+v", m.Dataset)
	}
	// The spirals need the hidden layer: a trained model is far above the
	// majority class (35.7%); an untrained one is not.
	if m.Final.TestAccuracy < 0.95 || m.Final.MajorityAccuracy > 0.5 {
		t.Fatalf("test accuracy %.4f (majority class %.4f), want at least 0.95", m.Final.TestAccuracy, m.Final.MajorityAccuracy)
	}
	t.Logf("model %s, %d parameters: test accuracy %.4f (majority class %.4f)", m.Model, m.Parameters, m.Final.TestAccuracy, m.Final.MajorityAccuracy)

	zr, err := zip.OpenReader(filepath.Join(out, "model.npz"))
	if err != nil {
		t.Fatalf("model.npz: %v", err)
	}
	var arrays []string
	for _, f := range zr.File {
		arrays = append(arrays, f.Name)
	}
	zr.Close()
	for _, want := range []string{"W1.npy", "b1.npy", "W2.npy", "b2.npy", "mean.npy", "std.npy"} {
		if !slices.Contains(arrays, want) {
			t.Fatalf("model.npz holds %v, lacks %s", arrays, want)
		}
	}

	d, err := c.Job(context.Background(), got.ID)
	if err != nil {
		t.Fatal(err)
	}
	var fetchedCode, fetchedData bool
	for _, e := range d.Events {
		fetchedCode = fetchedCode || e.Message == "fetched input code: commit "+commit
		fetchedData = fetchedData || e.Message == "fetching input dataset: 49.8 KiB of 49.8 KiB"
	}
	if !fetchedCode || !fetchedData {
		t.Fatalf("events lack the commit (%v) or the dataset's progress (%v): %+v", fetchedCode, fetchedData, d.Events)
	}

	// Training is seeded and the outputs do not depend on the clock: a
	// second run gives the same result digest (what replicated
	// verification compares).
	again, _, _ := run()
	if again.ResultDigest != got.ResultDigest {
		t.Fatalf("two runs of the same job: result %s then %s", got.ResultDigest, again.ResultDigest)
	}
}
