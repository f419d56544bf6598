package taskinit

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRunWaitsForTheGateThenExecs(t *testing.T) {
	gate := filepath.Join(t.TempDir(), "go")
	got := make(chan []string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run([]string{gate, "--", "sh", "-c", "true"}, func(path string, argv, _ []string) error {
			got <- append([]string{path}, argv...)
			return nil
		})
	}()
	select {
	case <-got:
		t.Fatal("exec before the gate opened")
	case <-time.After(50 * time.Millisecond):
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	argv := <-got
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(argv[0], "/sh") || !slices.Equal(argv[1:], []string{"sh", "-c", "true"}) {
		t.Fatalf("exec %q", argv)
	}
}

func TestRunRefusesBadArgumentsAndMissingPrograms(t *testing.T) {
	never := func(string, []string, []string) error { t.Fatal("exec"); return nil }
	for _, args := range [][]string{nil, {"gate"}, {"gate", "sh"}, {"gate", "x", "sh"}} {
		if err := run(args, never); err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("%q: %v", args, err)
		}
	}
	gate := filepath.Join(t.TempDir(), "go")
	os.WriteFile(gate, nil, 0o644)
	if err := run([]string{gate, "--", "no-such-program-here"}, never); err == nil {
		t.Fatal("a missing program ran")
	}
}
