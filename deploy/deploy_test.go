package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// decoBinary builds the static deco binary once per test run, as `make
// build` does.
func decoBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "deco-deploy-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "deco")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/deco")
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = err
			t.Logf("build: %s", out)
		}
	})
	if binErr != nil {
		t.Fatalf("build deco: %v", binErr)
	}
	return binPath
}

// need skips the test when a tool is not installed.
func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
}
