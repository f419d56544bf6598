package gittest

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Commit is one commit of a repository NewRepo makes.
type Commit struct {
	// Files are written (path relative to the root: content) and added.
	Files map[string]string
	// Tag, when set, tags the commit: annotated when Annotated, else
	// lightweight.
	Tag       string
	Annotated bool
}

// Repo is a repository NewRepo made and serves.
type Repo struct {
	// URL is the repository's clone URL.
	URL string
	// Server serves it until the test ends.
	Server *httptest.Server
	// Commits are the hashes of the commits, in the order given.
	Commits []string
}

// NewRepo makes a repository with the commits, one after the other, with a
// fixed author and time, and serves it (see Serve).
func NewRepo(t testing.TB, commits ...Commit) *Repo {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatalf("init test repository: %v", err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatalf("test repository worktree: %v", err)
	}
	sig := &object.Signature{Name: "deco", Email: "deco@example.org", When: time.Unix(1700000000, 0)}
	r := &Repo{}
	for i, c := range commits {
		for name, content := range c.Files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := wt.Add(name); err != nil {
				t.Fatalf("add %s: %v", name, err)
			}
		}
		h, err := wt.Commit(fmt.Sprintf("commit %d", i+1), &git.CommitOptions{Author: sig})
		if err != nil {
			t.Fatalf("commit %d: %v", i+1, err)
		}
		r.Commits = append(r.Commits, h.String())
		if c.Tag != "" {
			var opts *git.CreateTagOptions
			if c.Annotated {
				opts = &git.CreateTagOptions{Tagger: sig, Message: c.Tag}
			}
			if _, err := repo.CreateTag(c.Tag, h, opts); err != nil {
				t.Fatalf("tag %s: %v", c.Tag, err)
			}
		}
	}
	r.Server = Serve(t, repo)
	r.URL = r.Server.URL + "/repo.git"
	return r
}
