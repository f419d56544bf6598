package wasm_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/deco-network/deco/internal/exec/wasm"
)

var escapeBuild struct {
	once sync.Once
	wasm []byte
	err  error
}

// escapeModule builds testdata/escape for wasip1 once per test binary.
func escapeModule(t *testing.T) []byte {
	t.Helper()
	escapeBuild.once.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		out := filepath.Join(t.TempDir(), "escape.wasm")
		cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
		cmd.Dir = filepath.Join(filepath.Dir(file), "testdata", "escape")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			escapeBuild.err = err
			t.Logf("%s", b)
			return
		}
		escapeBuild.wasm, escapeBuild.err = os.ReadFile(out)
	})
	if escapeBuild.err != nil {
		t.Fatalf("build the escape guest: %v", escapeBuild.err)
	}
	return escapeBuild.wasm
}

// TestGuestCannotLeaveItsMounts runs a hostile guest that tries every way
// it has out of /inputs and /outputs: links it makes, links that came
// with its inputs, paths that climb with "..". None may read or write the
// host file beside the mounts.
func TestGuestCannotLeaveItsMounts(t *testing.T) {
	module := escapeModule(t)
	ex := newExecutor(t, wasm.Config{})
	for _, mode := range []string{"symlink", "symlink-relative", "dotdot", "inputs-link", "inputs-dirlink", "write-symlink", "write-symlink-relative", "inputs-link-write", "hardlink"} {
		t.Run(mode, func(t *testing.T) {
			host := t.TempDir()
			secret := filepath.Join(host, "secret")
			if err := os.WriteFile(secret, []byte("host-secret"), 0o600); err != nil {
				t.Fatal(err)
			}
			inputs := t.TempDir()
			if err := os.Symlink(secret, filepath.Join(inputs, "link")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(host, filepath.Join(inputs, "dirlink")); err != nil {
				t.Fatal(err)
			}
			task := guestTask(t, module, mode, secret)
			task.InputsDir = inputs
			res, logs := runTask(t, ex, task)
			t.Logf("exit %d: %s", res.ExitCode, strings.TrimSpace(logs))
			if strings.Contains(logs, "host-secret") {
				t.Errorf("the guest read the host file: %s", logs)
			}
			if b, _ := os.ReadFile(secret); string(b) != "host-secret" {
				t.Errorf("the guest wrote the host file: %q", b)
			}
			if !strings.Contains(logs, "ERR:") {
				t.Errorf("the guest's escape did not fail: %s", logs)
			}
		})
	}
	// Links that stay inside a mount work as they do on a disk.
	for _, mode := range []string{"inside", "inputs-inside"} {
		t.Run(mode, func(t *testing.T) {
			inputs := t.TempDir()
			if err := os.WriteFile(filepath.Join(inputs, "data.txt"), []byte("inside-ok"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("data.txt", filepath.Join(inputs, "alias")); err != nil {
				t.Fatal(err)
			}
			task := guestTask(t, module, mode, "-")
			task.InputsDir = inputs
			_, logs := runTask(t, ex, task)
			if !strings.Contains(logs, "READ:inside-ok") {
				t.Errorf("a link inside the mount did not work: %s", logs)
			}
		})
	}
}
