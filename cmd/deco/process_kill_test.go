package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/api"
	dockerexec "github.com/deco-network/deco/internal/exec/docker"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/volume"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// decoBinary builds the deco binary once per test run.
func decoBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "deco-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "deco")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = err
			t.Logf("build: %s", out)
		}
	})
	if binErr != nil {
		t.Fatalf("build deco: %v", binErr)
	}
	return binPath
}

// nodeProcess is a `deco node run` in its own OS process.
type nodeProcess struct {
	cmd  *exec.Cmd
	dir  string
	logs *bytes.Buffer
}

func startNodeProcess(t *testing.T, bin, dir string, extra ...string) *nodeProcess {
	t.Helper()
	args := append([]string{"node", "run", "--data-dir", dir, "--api-addr", "127.0.0.1:0", "--no-mdns",
		"--listen", "/ip4/127.0.0.1/tcp/0", "--heartbeat-timeout", "3s", "--dev-throwaway-key"}, extra...)
	cmd := exec.Command(bin, args...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &nodeProcess{cmd: cmd, dir: dir, logs: &logs}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
			}
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, api.APIFile)); err == nil {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("node in %s did not start:\n%s", dir, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestProviderKilledMidJobCompletesElsewhere runs three nodes as separate
// OS processes; the provider running the job is killed with SIGKILL, and
// the job completes on the other one, the lost attempt kept in its history.
func TestProviderKilledMidJobCompletesElsewhere(t *testing.T) {
	if testing.Short() {
		t.Skip("starts OS processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	d, derr := dockerexec.New(ctx, dockerexec.Config{})
	cancel()
	if derr != nil {
		if os.Getenv("DECO_REQUIRE_DOCKER") != "" {
			t.Fatalf("DECO_REQUIRE_DOCKER is set: %v", derr)
		}
		t.Skipf("no Docker engine: %v", derr)
	}
	defer d.Close()
	if out, err := exec.Command(filepath.Join("..", "..", "scripts", "build-busybox-image.sh")).CombinedOutput(); err != nil {
		t.Fatalf("build image: %v\n%s", err, out)
	}
	bin := decoBinary(t)
	root := t.TempDir()
	// The killed provider leaves its outputs volumes mounted.
	t.Cleanup(func() { _ = volume.New(nil).UnmountUnder(context.Background(), root) })
	req := startNodeProcess(t, bin, filepath.Join(root, "requester"))
	rc, err := client.FromDataDir(req.dir)
	if err != nil {
		t.Fatal(err)
	}
	id, err := rc.Identity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	boot := id.Addrs[0]
	provs := []*nodeProcess{
		startNodeProcess(t, bin, filepath.Join(root, "provA"), "--bootstrap", boot),
		startNodeProcess(t, bin, filepath.Join(root, "provB"), "--bootstrap", boot),
	}
	for i, p := range provs {
		price := []string{"0.01", "0.02"}[i]
		if _, _, err := deco(t, "--data-dir", p.dir, "onboard", "-y", "--cpu", "1", "--memory", "512MiB", "--disk", "1GiB", "--cpu-price", price); err != nil {
			t.Fatalf("onboard: %v", err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		offers, _ := rc.Offers(context.Background())
		if len(offers) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("requester sees %d offers", len(offers))
		}
		time.Sleep(50 * time.Millisecond)
	}
	pidA := providerID(t, provs[0].dir)
	pidB := providerID(t, provs[1].dir)

	j, err := rc.Submit(context.Background(), job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest",
		Command: []string{"sh", "-c", "echo start; sleep 3; echo done > /outputs/x"}})
	if err != nil {
		t.Fatal(err)
	}
	if j.Provider != pidA {
		t.Fatalf("placed on %s, want the cheaper provider A %s", j.Provider, pidA)
	}
	for {
		var b bytes.Buffer
		_ = rc.Logs(context.Background(), j.ID, false, &b)
		if strings.Contains(b.String(), "start") {
			break
		}
		if time.Now().After(deadline.Add(20 * time.Second)) {
			t.Fatalf("job never started: %q", b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	killed := time.Now()
	if err := provs[0].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	provs[0].cmd.Wait()
	// The dead provider's container is an orphan: its next start removes
	// it; this test removes it now.
	defer exec.Command("sh", "-c", "docker rm -f $(docker ps -aq --filter label=deco.node="+pidA+") 2>/dev/null").Run()

	ctx, cancel = context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var logs bytes.Buffer
	if err := rc.Logs(ctx, j.ID, true, &logs); err != nil {
		t.Fatal(err)
	}
	got, err := rc.Job(context.Background(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != job.StateCompleted || got.Provider != pidB {
		t.Fatalf("job %s on %s (%s), want completed on B %s", got.State, got.Provider, got.Error, pidB)
	}
	if len(got.Attempts) != 2 || got.Attempts[0].State != job.StateLost || got.Attempts[0].Provider != pidA ||
		got.Attempts[1].State != job.StateCompleted || got.Attempts[1].Provider != pidB {
		t.Fatalf("attempts %+v", got.Attempts)
	}
	t.Logf("provider killed; job completed elsewhere %s later (heartbeat timeout 3s)", time.Since(killed).Round(time.Millisecond))
	if logs.String() != "start\nstart\n" {
		t.Fatalf("logs %q (each attempt's output, in order)", logs.String())
	}
}

func providerID(t *testing.T, dir string) string {
	t.Helper()
	c, err := client.FromDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.Identity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return id.PeerID
}
