package requester

import (
	"os"
	"path/filepath"
	"testing"
)

// TestJobLogCap: a requester keeps at most its cap of each attempt's logs,
// whatever a provider sends; a new attempt gets its own room.
func TestJobLogCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs")
	l := newJobLog(path)
	l.limit = 10
	for _, s := range []string{"abcdef", "ghijkl", "mnop"} {
		if err := l.write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if l.startAttempt() != 10 {
		t.Fatal("first attempt kept more than the cap")
	}
	if err := l.write([]byte("0123456789AB")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "abcdefghij"+"0123456789"; got != want {
		t.Fatalf("log = %q, want %q", got, want)
	}
	if l.attemptOffset() != 10 || l.size() != int64(len(b)) {
		t.Fatalf("attempt offset %d, size %d; file holds %d", l.attemptOffset(), l.size(), len(b))
	}
	// A new jobLog on the same file (after a restart) measures it.
	if again := newJobLog(path); again.size() != int64(len(b)) {
		t.Fatalf("reopened size %d, want %d", again.size(), len(b))
	}
}
