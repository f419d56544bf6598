package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestOffsetClockFollowsItsFile: the test-only clock offset is re-read
// while the node runs, so a harness can jump the clock and jump it back.
func TestOffsetClockFollowsItsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "offset")
	c := &offsetClock{path: path}
	go c.run(t.Context())
	within := func(want time.Duration) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			got := c.now().Sub(time.Now())
			if got > want-time.Second && got < want+time.Second {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("offset %s, want %s", got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	within(0)
	if err := os.WriteFile(path, []byte("90s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	within(90 * time.Second)
	if err := os.WriteFile(path, []byte("-2m"), 0o600); err != nil {
		t.Fatal(err)
	}
	within(-2 * time.Minute)
	os.Remove(path)
	within(0)
}
