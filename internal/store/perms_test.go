package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/job"
)

// TestDatabaseFilesArePrivate: the database and SQLite's -wal and -shm
// files beside it are readable by the node's user only, also when the
// database was made world-readable by an older version.
func TestDatabaseFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "deco.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil { // as older versions left it
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateJob(ctx, Job{ID: "j1", State: job.StateQueued, CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want no access for group and others", filepath.Base(p), fi.Mode().Perm())
		}
	}
}
