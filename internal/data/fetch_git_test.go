package data

import (
	"context"
	"errors"
	"github.com/deco-network/deco/internal/data/gittest"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// testRepo is a repository with three commits: v1 (annotated tag), v2
// (lightweight tag) and an untagged head.
type testRepo struct {
	url        string
	c1, c2, c3 string
	srv        *httptest.Server
}

// serveGit serves repo's storer over smart HTTP (see gittest).
func serveGit(t *testing.T, repo *git.Repository) *httptest.Server {
	t.Helper()
	return gittest.Serve(t, repo)
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "deco", Email: "deco@example.org", When: time.Unix(1700000000, 0)}
	commit := func(files map[string]string, msg string) string {
		for name, content := range files {
			p := filepath.Join(dir, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := wt.Add(name); err != nil {
				t.Fatal(err)
			}
		}
		h, err := wt.Commit(msg, &git.CommitOptions{Author: sig})
		if err != nil {
			t.Fatal(err)
		}
		return h.String()
	}
	r := &testRepo{}
	r.c1 = commit(map[string]string{"train.py": "print('v1')\n", "data/README": "one\n"}, "one")
	if _, err := repo.CreateTag("v1", plumbing.NewHash(r.c1), &git.CreateTagOptions{Tagger: sig, Message: "v1"}); err != nil {
		t.Fatal(err)
	}
	r.c2 = commit(map[string]string{"train.py": "print('v2')\n"}, "two")
	if _, err := repo.CreateTag("v2", plumbing.NewHash(r.c2), nil); err != nil {
		t.Fatal(err)
	}
	r.c3 = commit(map[string]string{"train.py": "print('head')\n", "big.bin": strings.Repeat("x", 100<<10)}, "three")
	r.srv = serveGit(t, repo)
	r.url = r.srv.URL + "/repo.git"
	return r
}

func TestFetchGit(t *testing.T) {
	r := newTestRepo(t)
	tests := []struct {
		name       string
		ref        string
		max        int64
		wantCommit string
		wantTrain  string
		wantErr    error
		wantText   string
	}{
		{name: "old commit", ref: r.c1, wantCommit: r.c1, wantTrain: "print('v1')\n"},
		{name: "middle commit", ref: r.c2, wantCommit: r.c2, wantTrain: "print('v2')\n"},
		{name: "head commit", ref: r.c3, wantCommit: r.c3, wantTrain: "print('head')\n"},
		{name: "annotated tag", ref: "v1", wantCommit: r.c1, wantTrain: "print('v1')\n"},
		{name: "lightweight tag", ref: "v2", wantCommit: r.c2, wantTrain: "print('v2')\n"},
		{name: "unknown commit", ref: strings.Repeat("0123456789", 4), wantErr: ErrRevisionNotFound, wantText: "is not in the repository"},
		{name: "unknown tag", ref: "v9", wantErr: ErrRevisionNotFound, wantText: `no tag "v9"`},
		{name: "tree over the cap", ref: r.c3, max: 50 << 10, wantErr: ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "code")
			commit, err := FetchGit(context.Background(), GitFetch{URL: r.url, Ref: tc.ref, MaxBytes: tc.max}, dest)
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
			if (hasBig == nil) != (tc.wantCommit == r.c3) {
				t.Fatalf("big.bin present=%v at %s", hasBig == nil, tc.ref)
			}
		})
	}
	// An unreachable server fails with the clone error.
	_, err := FetchGit(context.Background(), GitFetch{URL: r.srv.URL + "/nothing.git", Ref: "v1"}, filepath.Join(t.TempDir(), "x"))
	if err == nil || !strings.Contains(err.Error(), "clone") {
		t.Fatalf("missing repository: %v", err)
	}
}
