package provider

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/job"
)

// TestLogCap: past the cap an execution's log ends with a line saying so
// and nothing more is kept.
func TestLogCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs")
	const limit = 200
	x := newSender(path, time.Now, job.StateRunning, limit)
	for range 10 {
		if err := x.log(bytes.Repeat([]byte("x"), 50)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat("x", limit) + "\n[deco: log truncated at 200 bytes; further output is dropped]\n"
	if string(b) != want || x.logged() != int64(len(want)) {
		t.Fatalf("log = %q (logged %d), want the first %d bytes and the truncation line", b, x.logged(), limit)
	}
}
