package data

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSplitLines(t *testing.T) {
	long := strings.Repeat("x", 200<<10)  // longer than the reader's buffer
	src := "l0\nl1\n" + long + "\nl3\nl4" // the last line has no newline
	for _, tt := range []struct {
		index, count int
		want         string
	}{
		{0, 1, src},
		{0, 2, "l0\n" + long + "\nl4"},
		{1, 2, "l1\nl3\n"},
		{2, 3, long + "\n"},
		{1, 5, "l1\n"},
		{0, 7, "l0\n"},
		{6, 7, ""},
	} {
		p := filepath.Join(t.TempDir(), "d")
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := SplitLines(p, tt.index, tt.count); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(p)
		if string(got) != tt.want {
			t.Errorf("task %d of %d: got %.40q (%d bytes), want %.40q (%d bytes)", tt.index, tt.count, got, len(got), tt.want, len(tt.want))
		}
	}
	if err := SplitLines(t.TempDir(), 0, 2); err == nil || !strings.Contains(err.Error(), "needs a file") {
		t.Fatalf("split of a directory: %v", err)
	}
	if err := SplitLines("x", 2, 2); err == nil {
		t.Fatal("index out of range accepted")
	}
}

func TestSplitFiles(t *testing.T) {
	dir := t.TempDir()
	names := []string{"a", "b/c", "b/d", "e", "f/g/h"}
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := SplitFiles(dir, 1, 2); err != nil {
		t.Fatal(err)
	}
	var left []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			left = append(left, filepath.ToSlash(rel))
		}
		return nil
	})
	if !slices.Equal(left, []string{"b/c", "e"}) {
		t.Fatalf("task 1 of 2 kept %v, want [b/c e]", left)
	}
	f := filepath.Join(t.TempDir(), "file")
	_ = os.WriteFile(f, nil, 0o644)
	if err := SplitFiles(f, 0, 2); err == nil || !strings.Contains(err.Error(), "needs a directory") {
		t.Fatalf("split of a file: %v", err)
	}
}
