package data

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/data/gittest"
)

func TestFetchGit(t *testing.T) {
	// Three commits: v1 (annotated tag), v2 (lightweight tag) and an
	// untagged head.
	r := gittest.NewRepo(t,
		gittest.Commit{Files: map[string]string{"train.py": "print('v1')\n", "data/README": "one\n"}, Tag: "v1", Annotated: true},
		gittest.Commit{Files: map[string]string{"train.py": "print('v2')\n"}, Tag: "v2"},
		gittest.Commit{Files: map[string]string{"train.py": "print('head')\n", "big.bin": strings.Repeat("x", 100<<10)}},
	)
	c1, c2, c3 := r.Commits[0], r.Commits[1], r.Commits[2]
	tests := []struct {
		name       string
		ref        string
		max        int64
		wantCommit string
		wantTrain  string
		wantErr    error
		wantText   string
	}{
		{name: "old commit", ref: c1, wantCommit: c1, wantTrain: "print('v1')\n"},
		{name: "middle commit", ref: c2, wantCommit: c2, wantTrain: "print('v2')\n"},
		{name: "head commit", ref: c3, wantCommit: c3, wantTrain: "print('head')\n"},
		{name: "annotated tag", ref: "v1", wantCommit: c1, wantTrain: "print('v1')\n"},
		{name: "lightweight tag", ref: "v2", wantCommit: c2, wantTrain: "print('v2')\n"},
		{name: "unknown commit", ref: strings.Repeat("0123456789", 4), wantErr: ErrRevisionNotFound, wantText: "is not in the repository"},
		{name: "unknown tag", ref: "v9", wantErr: ErrRevisionNotFound, wantText: `no tag "v9"`},
		{name: "tree over the cap", ref: c3, max: 50 << 10, wantErr: ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "code")
			commit, err := FetchGit(context.Background(), GitFetch{URL: r.URL, Ref: tc.ref, MaxBytes: tc.max}, dest)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantText) {
					t.Fatalf("got %v, want %v with %q", err, tc.wantErr, tc.wantText)
				}
				if _, err := os.Stat(dest); !os.IsNotExist(err) {
					t.Fatal("failed fetch left its directory")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if commit != tc.wantCommit {
				t.Fatalf("commit %s, want %s", commit, tc.wantCommit)
			}
			b, err := os.ReadFile(filepath.Join(dest, "train.py"))
			if err != nil || string(b) != tc.wantTrain {
				t.Fatalf("train.py = %q %v, want %q", b, err, tc.wantTrain)
			}
			if _, err := os.Stat(filepath.Join(dest, ".git")); !os.IsNotExist(err) {
				t.Fatal(".git left in the input")
			}
			_, hasBig := os.Stat(filepath.Join(dest, "big.bin"))
			if (hasBig == nil) != (tc.wantCommit == c3) {
				t.Fatalf("big.bin present=%v at %s", hasBig == nil, tc.ref)
			}
		})
	}
	// An unreachable server fails with the clone error.
	_, err := FetchGit(context.Background(), GitFetch{URL: r.Server.URL + "/nothing.git", Ref: "v1"}, filepath.Join(t.TempDir(), "x"))
	if err == nil || !strings.Contains(err.Error(), "clone") {
		t.Fatalf("missing repository: %v", err)
	}
}
