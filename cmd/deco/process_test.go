package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/identity"
)

// TestNodeProcessStopsCleanlyAndKeepsIdentity runs `deco node run` as a real
// process: SIGTERM stops it with exit status 0, and a restart on the same
// data directory has the same identity.
func TestNodeProcessStopsCleanlyAndKeepsIdentity(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := decoBinary(t)
	dir := t.TempDir()
	var ids []string
	for round := 0; round < 2; round++ {
		os.Remove(filepath.Join(dir, api.APIFile))
		cmd := exec.Command(bin, "node", "run", "--data-dir", dir, "--api-addr", "127.0.0.1:0",
			"--no-mdns", "--no-docker", "--listen", "/ip4/127.0.0.1/tcp/0")
		var logs strings.Builder
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			if _, err := os.Stat(filepath.Join(dir, api.APIFile)); err == nil {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("node did not start:\n%s", logs.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		out, err := exec.Command(bin, "--data-dir", dir, "id", "-o", "json").Output()
		if err != nil {
			t.Fatalf("deco id: %v", err)
		}
		ids = append(ids, string(out))
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("node did not stop within 10 s of SIGTERM:\n%s", logs.String())
		}
		if !strings.Contains(logs.String(), "node stopped") {
			t.Fatalf("no clean shutdown in logs:\n%s", logs.String())
		}
	}
	if ids[0] != ids[1] || !strings.Contains(ids[0], "16Uiu2") {
		t.Fatalf("identity changed across restart: %s vs %s", ids[0], ids[1])
	}
	// Files that hold secrets are private.
	for _, f := range []string{api.TokenFile, filepath.Join(api.KeystoreDir, identity.KeyFile)} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v mode %v", f, err, st.Mode().Perm())
		}
	}
}
