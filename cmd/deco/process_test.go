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
			"--no-mdns", "--no-docker", "--listen", "/ip4/127.0.0.1/tcp/0", "--dev-throwaway-key")
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
	// The dev key says what it is.
	if !strings.Contains(ids[0], `"throwawayKey": true`) {
		t.Fatalf("deco id does not call the dev key throwaway: %s", ids[0])
	}
	// Files that hold secrets are private.
	for _, f := range []string{api.TokenFile, filepath.Join(api.KeystoreDir, identity.KeyFile)} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v mode %v", f, err, st.Mode().Perm())
		}
	}
}

// TestNodeProcessPassphrase runs `deco node run` on a real key: without a
// passphrase (and no terminal) the first start fails saying where one may
// come from and makes no key; a group-readable file is refused; a private
// file, DECO_PASSPHRASE and a systemd credential each open the same key,
// and the passphrase is in no file of the data directory.
func TestNodeProcessPassphrase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := decoBinary(t)
	dir := filepath.Join(t.TempDir(), "data")
	secrets := t.TempDir()
	const pass = "correct horse battery staple"
	run := func(env []string, extra ...string) (*exec.Cmd, *strings.Builder) {
		os.Remove(filepath.Join(dir, api.APIFile))
		cmd := exec.Command(bin, append([]string{"node", "run", "--data-dir", dir, "--api-addr", "127.0.0.1:0",
			"--no-mdns", "--no-docker", "--listen", "/ip4/127.0.0.1/tcp/0"}, extra...)...)
		cmd.Env = append(os.Environ(), env...)
		var logs strings.Builder
		cmd.Stdout, cmd.Stderr = &logs, &logs
		return cmd, &logs
	}
	// Refusals: the command ends with an error before making anything.
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"no passphrase", nil, []string{"none was given", "--passphrase-file", "DECO_PASSPHRASE", "LoadCredential=deco-passphrase", "--dev-throwaway-key"}},
		{"open file", []string{"--passphrase-file", writeSecret(t, secrets, "open", pass, 0o640)}, []string{"chmod 600"}},
	} {
		cmd, logs := run([]string{"DECO_PASSPHRASE=", "CREDENTIALS_DIRECTORY="}, tc.args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err == nil {
				t.Fatalf("%s: node ran:\n%s", tc.name, logs)
			}
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Fatalf("%s: node started:\n%s", tc.name, logs)
		}
		for _, w := range tc.want {
			if !strings.Contains(logs.String(), w) {
				t.Fatalf("%s: output does not say %q:\n%s", tc.name, w, logs)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, api.KeystoreDir, identity.KeyFile)); err == nil {
			t.Fatalf("%s: a key was made", tc.name)
		}
	}
	creds := t.TempDir()
	writeSecret(t, creds, credentialName, pass, 0o400)
	var ids []string
	for _, start := range []struct {
		env  []string
		args []string
	}{
		{[]string{"DECO_PASSPHRASE="}, []string{"--passphrase-file", writeSecret(t, secrets, "private", pass, 0o600)}},
		{[]string{"DECO_PASSPHRASE=" + pass}, nil},
		{[]string{"DECO_PASSPHRASE=", "CREDENTIALS_DIRECTORY=" + creds}, nil},
	} {
		cmd, logs := run(start.env, start.args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			if _, err := os.Stat(filepath.Join(dir, api.APIFile)); err == nil {
				break
			}
			if time.Now().After(deadline) || cmd.ProcessState != nil {
				cmd.Process.Kill()
				t.Fatalf("node did not start (%v):\n%s", start, logs)
			}
			time.Sleep(20 * time.Millisecond)
		}
		out, err := exec.Command(bin, "--data-dir", dir, "id", "-o", "json").Output()
		if err != nil {
			t.Fatalf("deco id: %v", err)
		}
		ids = append(ids, string(out))
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs)
		}
		if strings.Contains(logs.String(), pass) || strings.Contains(logs.String(), "THROWAWAY") {
			t.Fatalf("log shows the passphrase or calls the key throwaway:\n%s", logs)
		}
	}
	if ids[0] != ids[1] || ids[1] != ids[2] || strings.Contains(ids[0], "throwaway") {
		t.Fatalf("identities: %q", ids)
	}
	// Offline, deco id needs the passphrase as well.
	idCmd := exec.Command(bin, "--data-dir", dir, "id", "-o", "json")
	idCmd.Env = append(os.Environ(), "DECO_PASSPHRASE=", "CREDENTIALS_DIRECTORY=")
	if out, err := idCmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "--passphrase-file") {
		t.Fatalf("offline deco id without a passphrase: %v\n%s", err, out)
	}
	idCmd = exec.Command(bin, "--data-dir", dir, "id", "-o", "json")
	idCmd.Env = append(os.Environ(), "DECO_PASSPHRASE="+pass)
	if out, err := idCmd.Output(); err != nil || string(out) != ids[0] {
		t.Fatalf("offline deco id: %v %q, want %q", err, out, ids[0])
	}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), pass) {
			t.Errorf("%s holds the passphrase", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
