package data

import (
	"os"
	"path/filepath"
	"testing"
)

func TestTreeSize(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, size := range map[string]int{"a": 3, "sub/b": 1000} {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A symbolic link counts nothing, even to a large file.
	if err := os.Symlink(filepath.Join(dir, "sub", "b"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if n, err := TreeSize(dir); err != nil || n != 1003 {
		t.Fatalf("TreeSize = %d, %v; want 1003", n, err)
	}
	if n, err := TreeSize(filepath.Join(dir, "missing")); err != nil || n != 0 {
		t.Fatalf("TreeSize of a missing dir = %d, %v; want 0, nil", n, err)
	}
}
