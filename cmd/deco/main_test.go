package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/devnet"
	dockerexec "github.com/deco-network/deco/internal/exec/docker"
)

// offerCount is how many offers `deco offers -o json` listed (an offer's
// own peers carry "node" keys too, so counting the key would not do).
func offerCount(t *testing.T, out string) int {
	t.Helper()
	var offers []struct {
		Node string `json:"node"`
	}
	if err := json.Unmarshal([]byte(out), &offers); err != nil {
		return -1
	}
	return len(offers)
}

// deco runs the CLI in-process and returns stdout, stderr and the error.
func deco(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRoot(&out, &errb)
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	return out.String(), errb.String(), err
}

func TestRunArgumentErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no image", []string{"run"}, "an IMAGE is required"},
		{"command without --", []string{"run", "img", "echo", "hi"}, "put the command after --"},
		{"bad cpu", []string{"run", "--cpu", "lots", "img"}, "--cpu"},
		{"bad env", []string{"run", "-e", "NOEQUALS", "img"}, "want NAME=VALUE"},
		{"zero cpu", []string{"run", "--cpu", "0", "img"}, "--cpu: must not be 0 (leave the flag out for the default, 1)"},
		{"zero millicores", []string{"run", "--cpu", "0m", "img"}, "--cpu: must not be 0 (leave the flag out for the default, 1)"},
		{"zero memory", []string{"run", "--memory", "0MiB", "img"}, "--memory: must not be 0 (leave the flag out for the default, 512MiB)"},
		{"zero disk", []string{"run", "--disk", "0", "img"}, "--disk: must not be 0 (leave the flag out for the default, 1GiB)"},
		{"zero timeout", []string{"run", "--timeout", "0s", "img"}, "--timeout: must not be 0 (leave the flag out for the default, 1h)"},
		{"zero estimate", []string{"run", "--estimated-time", "0", "img"}, "--estimated-time: must not be 0 (leave the flag out for the default timeout, 1h)"},
		{"negative estimate", []string{"run", "--estimated-time", "-1h", "img"}, "--estimated-time: must not be negative, got -1h"},
		{"estimate at the limit", []string{"run", "--estimated-time", "84h", "img"}, "no deco node is running"},
		{"estimate over the limit", []string{"run", "--estimated-time", "84h0m1s", "img"},
			"--estimated-time: must be at most 84h (the timeout, twice the estimate, may be at most 168h), got 84h0m1s"},
		{"estimate that would overflow", []string{"run", "--estimated-time", "2562047h", "img"}, "--estimated-time: must be at most 84h"},
		{"timeout over the limit", []string{"run", "--timeout", "169h", "img"}, "timeout: must be at most 168h, got 169h"},
		{"zero gpus and price are fine", []string{"run", "--gpus", "0", "--max-price", "0", "img"}, "no deco node is running"},
		{"zero tasks", []string{"run", "--tasks", "0", "img"}, "--tasks: must be at least 1, got 0"},
		{"too many tasks", []string{"run", "--tasks", "257", "img"}, "tasks: must be between 1 and 256, got 257"},
		{"links alone", []string{"run", "--links", "img"}, "network.links: needs tasks of 2 or more"},
		{"bad task index", []string{"job", "logs", "--task", "-1", "x"}, "--task: must be a task index"},
		{"bad output", []string{"offers", "-o", "xml"}, "--output must be table or json"},
		{"bad output on any command", []string{"wallet", "-o", "xml"}, "--output must be table or json"},
		{"bad output before anything runs", []string{"id", "-o", "yaml"}, "--output must be table or json"},
		{"no node", []string{"job", "ls"}, "no deco node is running"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := deco(t, append([]string{"--data-dir", dir}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestCLIAgainstDevnet(t *testing.T) {
	net := dockerDevnet(t)
	req := []string{"--data-dir", net.DataDir(0)}

	out, _, err := deco(t, append(req, "offers", "-o", "json")...)
	if err != nil || offerCount(t, out) != 2 {
		t.Fatalf("offers: %v\n%s", err, out)
	}
	// A task's exit code becomes the CLI's, its output goes to stdout.
	out, errOut, err := deco(t, append(req, "run", "deco-busybox:latest", "--", "sh", "-c", "echo hi; exit 3")...)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 3 || out != "hi\n" {
		t.Fatalf("run: err %v out %q stderr %q", err, out, errOut)
	}
	if !strings.Contains(errOut, "placed on provider") || !strings.Contains(errOut, "exit code 3") {
		t.Fatalf("run stderr %q", errOut)
	}
	out, _, err = deco(t, append(req, "job", "ls", "-q")...)
	if err != nil || len(strings.Fields(out)) != 1 {
		t.Fatalf("job ls: %v %q", err, out)
	}
	id := strings.TrimSpace(out)
	out, _, err = deco(t, append(req, "job", "describe", id)...)
	for _, want := range []string{"State:      failed", "Exit code:  3", "Placement: 2 offers considered", "running"} {
		if err != nil || !strings.Contains(out, want) {
			t.Fatalf("describe lacks %q: %v\n%s", want, err, out)
		}
	}
	// What it used: its signed usage reports (deco job usage).
	if out, _, err = deco(t, append(req, "job", "usage", id)...); err != nil || !strings.Contains(out, "report 1") || !strings.Contains(out, "PEAK") {
		t.Fatalf("job usage: %v\n%s", err, out)
	}

	// An array job: both tasks' lines prefixed, one task's alone, the
	// tasks in describe, the outputs one directory per task.
	out, errOut, err = deco(t, append(req, "run", "--tasks", "2", "deco-busybox:latest", "--", "sh", "-c",
		"echo i am $DECO_TASK_INDEX; echo $DECO_TASK_INDEX > /outputs/i")...)
	if err != nil || !strings.Contains(out, "task-0| i am 0\n") || !strings.Contains(out, "task-1| i am 1\n") ||
		!strings.Contains(errOut, "of 2 tasks placed on") {
		t.Fatalf("run --tasks 2: %v out %q stderr %q", err, out, errOut)
	}
	out, _, _ = deco(t, append(req, "job", "ls", "-q", "--limit", "1")...)
	gang := strings.TrimSpace(out)
	if out, _, err = deco(t, append(req, "job", "logs", gang, "--task", "1")...); err != nil || out != "i am 1\n" {
		t.Fatalf("logs --task 1: %v %q", err, out)
	}
	if _, _, err = deco(t, append(req, "job", "logs", gang, "--task", "2")...); err == nil || !strings.Contains(err.Error(), "has 2 task(s): no task 2") {
		t.Fatalf("logs --task 2 of a 2-task job: %v", err)
	}
	if out, _, err = deco(t, append(req, "job", "describe", gang)...); err != nil || !strings.Contains(out, "Tasks:") || !strings.Contains(out, "2 tasks, all or none") {
		t.Fatalf("describe of an array job: %v\n%s", err, out)
	}
	got := filepath.Join(t.TempDir(), "got")
	if _, _, err = deco(t, append(req, "job", "get", gang, "--out", got)...); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(got, "task-1", "i")); err != nil || string(b) != "1\n" {
		t.Fatalf("task-1/i: %q %v", b, err)
	}

	// Onboarding more than the machine has is refused, saying what exists.
	prov := []string{"--data-dir", net.DataDir(1)}
	_, _, err = deco(t, append(prov, "onboard", "-y", "--cpu", "4096", "--memory", "1GiB")...)
	if err == nil || !strings.Contains(err.Error(), "asked for 4096 cores, this machine has") {
		t.Fatalf("oversized share: %v", err)
	}
	out, _, err = deco(t, append(prov, "onboard", "-y", "--cpu", "1", "--memory", "512MiB", "--disk", "1GiB", "--cpu-price", "0.02")...)
	if err != nil || !strings.Contains(out, "Selling 1 cores, 512MiB memory") {
		t.Fatalf("onboard: %v\n%s", err, out)
	}
	out, _, err = deco(t, append(prov, "offboard")...)
	if err != nil || !strings.Contains(out, "withdrawn") {
		t.Fatalf("offboard: %v %s", err, out)
	}
	// The requester drops the withdrawn offer.
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _, _ = deco(t, append(req, "offers", "-o", "json")...)
		if offerCount(t, out) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("withdrawn offer still listed:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	out, _, err = deco(t, append(req, "id")...)
	if err != nil || !strings.Contains(out, net.Nodes[0].PeerID()) {
		t.Fatalf("id: %v %s", err, out)
	}
}

// dockerDevnet starts a 3-node devnet with the busybox image built, or
// skips without a Docker engine (fails with DECO_REQUIRE_DOCKER set); it
// closes with the test.
func dockerDevnet(t *testing.T) *devnet.Net {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	d, derr := dockerexec.New(ctx, dockerexec.Config{})
	cancel()
	if derr != nil {
		if os.Getenv("DECO_REQUIRE_DOCKER") != "" {
			t.Fatalf("DECO_REQUIRE_DOCKER is set: %v", derr)
		}
		t.Skipf("no Docker engine: %v", derr)
	}
	d.Close()
	if out, err := exec.Command(filepath.Join("..", "..", "scripts", "build-busybox-image.sh")).CombinedOutput(); err != nil {
		t.Fatalf("build image: %v\n%s", err, out)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	net, err := devnet.Start(ctx, devnet.Config{Nodes: 3, Dir: t.TempDir()})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(net.Close)
	return net
}
