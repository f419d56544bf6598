package exectest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// guestBuild caches the guest module for the test binary's lifetime: it is
// built once, whichever test asks first.
var guestBuild struct {
	once sync.Once
	wasm []byte
	err  error
}

// GuestModule returns the test guest (testdata/guest), a WASI preview 1
// module built from Go source with GOOS=wasip1 GOARCH=wasm on first use.
// It fails t when the build fails.
func GuestModule(t testing.TB) []byte {
	t.Helper()
	guestBuild.once.Do(func() {
		guestBuild.wasm, guestBuild.err = buildGuest()
	})
	if guestBuild.err != nil {
		t.Fatalf("build the wasm test guest: %v", guestBuild.err)
	}
	return guestBuild.wasm
}

func buildGuest() ([]byte, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return nil, fmt.Errorf("cannot locate the exectest package source")
	}
	src := filepath.Join(filepath.Dir(file), "testdata", "guest")
	dir, err := os.MkdirTemp("", "deco-guest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "guest.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %w\n%s", err, b)
	}
	return os.ReadFile(out)
}

// GuestArgs returns the guest's arguments (after argv[0]) that run p.
func GuestArgs(p Program) []string {
	switch p.Kind {
	case KindEcho:
		return []string{"echo", p.Text}
	case KindStderr:
		return []string{"stderr", p.Text}
	case KindExit:
		return []string{"exit", strconv.Itoa(p.Code)}
	case KindWriteOutput:
		return []string{"write", p.Name, p.Content}
	case KindReadInput:
		return []string{"read", p.Name}
	case KindSleep:
		// The guest's clock is virtual, so it cannot wait for real time:
		// it spins until the executor stops it, which satisfies "at least
		// p.Duration".
		return []string{"spin"}
	case KindAllocate:
		return []string{"alloc", strconv.Itoa(p.MiB)}
	}
	panic(fmt.Sprintf("exectest: unknown program kind %d", p.Kind))
}
