package data

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

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
			commit, err := FetchGit(context.Background(), GitFetch{URL: r.URL, Ref: tc.ref, MaxBytes: tc.max, Guard: loopbackGuard(t)}, dest)
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
	_, err := FetchGit(context.Background(), GitFetch{URL: r.Server.URL + "/nothing.git", Ref: "v1", Guard: loopbackGuard(t)}, filepath.Join(t.TempDir(), "x"))
	if err == nil || !strings.Contains(err.Error(), "clone") {
		t.Fatalf("missing repository: %v", err)
	}
}

// fanTree is a tree of depth levels of fan subtrees each, all sharing one
// subtree, over fan files of blob at the bottom: fan^(depth+1) files from a
// handful of objects.
func fanTree(o *gittest.Objects, blob plumbing.Hash, fan, depth int) plumbing.Hash {
	var entries []object.TreeEntry
	for i := 0; i < fan; i++ {
		entries = append(entries, gittest.File(fmt.Sprintf("f%02d", i), blob))
	}
	h := o.Tree(entries...)
	for d := 0; d < depth; d++ {
		entries = entries[:0]
		for i := 0; i < fan; i++ {
			entries = append(entries, gittest.Dir(fmt.Sprintf("d%02d", i), h))
		}
		h = o.Tree(entries...)
	}
	return h
}

// TestFetchGitHostile: repositories built to hurt the provider are refused
// with the reason, and nothing of them stays on disk.
func TestFetchGitHostile(t *testing.T) {
	random := make([]byte, 300<<10)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	hangs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hangs.Close()
	tests := []struct {
		name     string
		build    func(o *gittest.Objects) plumbing.Hash
		url      string // instead of the built repository's
		max      int64
		maxFiles int
		timeout  time.Duration
		guard    *Guard
		wantErr  error
		wantText string
	}{
		{name: "tree expanding past the cap", max: 1 << 20, wantErr: ErrTooLarge, wantText: "holds more than 1048576 bytes",
			build: func(o *gittest.Objects) plumbing.Hash { return fanTree(o, o.Blob(make([]byte, 64<<10)), 16, 2) }}, // 256 MiB
		{name: "too many files", maxFiles: 1000, wantErr: ErrTooLarge, wantText: "holds more than 1000 files",
			build: func(o *gittest.Objects) plumbing.Hash { return fanTree(o, o.Blob(nil), 16, 2) }}, // 4096 empty files
		{name: "download past the cap", max: 100 << 10, wantErr: ErrTooLarge, wantText: "the download is over 102400 bytes",
			build: func(o *gittest.Objects) plumbing.Hash { return o.Tree(gittest.File("random.bin", o.Blob(random))) }},
		{name: "absolute symlink", wantErr: ErrUnsafeSymlink, wantText: `"passwd" -> "/etc/passwd"`,
			build: func(o *gittest.Objects) plumbing.Hash {
				return o.Tree(gittest.Link("passwd", o.Blob([]byte("/etc/passwd"))))
			}},
		{name: "symlink leaving the tree", wantErr: ErrUnsafeSymlink, wantText: "leaves the tree",
			build: func(o *gittest.Objects) plumbing.Hash {
				return o.Tree(gittest.Dir("a", o.Tree(gittest.Link("up", o.Blob([]byte("../../etc"))))))
			}},
		{name: "symlink through a symlink", wantErr: ErrUnsafeSymlink, wantText: "passes through another link",
			build: func(o *gittest.Objects) plumbing.Hash {
				return o.Tree(gittest.Link("self", o.Blob([]byte("."))), gittest.Link("up", o.Blob([]byte("self/.."))))
			}},
		{name: "dot-dot entry", wantText: "..",
			build: func(o *gittest.Objects) plumbing.Hash {
				return o.Tree(gittest.Dir("..", o.Tree(gittest.File("escaped", o.Blob([]byte("x"))))))
			}},
		{name: ".git entry", wantText: ".git",
			build: func(o *gittest.Objects) plumbing.Hash {
				return o.Tree(gittest.Dir(".git", o.Tree(gittest.File("config", o.Blob([]byte("[core]\n"))))))
			}},
		{name: "server that never answers", url: hangs.URL + "/repo.git", timeout: 300 * time.Millisecond,
			wantErr: ErrTooLarge, wantText: "the fetch took longer than 300ms"},
		{name: "loopback refused by default", guard: newGuard(t, HostPolicy{}), wantErr: ErrAddressRefused,
			wantText: "address 127.0.0.1 is loopback; the provider does not fetch from its own host (provider policy --input-allow-host)"},
		{name: "not http", url: "file:///etc", wantText: "only http and https repositories"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := tc.url
			if u == "" {
				build := tc.build
				if build == nil {
					build = func(o *gittest.Objects) plumbing.Hash { return o.Tree(gittest.File("a", o.Blob([]byte("a")))) }
				}
				u = gittest.NewRawRepo(t, build).URL
			}
			g := tc.guard
			if g == nil {
				g = loopbackGuard(t)
			}
			parent := t.TempDir()
			dest := filepath.Join(parent, "in", "code")
			_, err := FetchGit(context.Background(), GitFetch{URL: u, Ref: "v1", MaxBytes: tc.max, MaxFiles: tc.maxFiles, Timeout: tc.timeout, Guard: g}, dest)
			if err == nil || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) || !strings.Contains(err.Error(), tc.wantText) {
				t.Fatalf("got %v, want %v with %q", err, tc.wantErr, tc.wantText)
			}
			if _, err := os.Stat(dest); !os.IsNotExist(err) {
				t.Fatal("failed fetch left its directory")
			}
			if left, _ := os.ReadDir(filepath.Join(parent, "in")); len(left) > 0 {
				t.Fatalf("left beside the input: %v", left)
			}
		})
	}
}

// TestFetchGitSymlinkInside: a symlink that stays in the tree is checked
// out as a symlink.
func TestFetchGitSymlinkInside(t *testing.T) {
	r := gittest.NewRawRepo(t, func(o *gittest.Objects) plumbing.Hash {
		return o.Tree(gittest.File("a", o.Blob([]byte("x"))), gittest.Dir("d", o.Tree(gittest.Link("l", o.Blob([]byte("../a"))))))
	})
	dest := filepath.Join(t.TempDir(), "code")
	if _, err := FetchGit(context.Background(), GitFetch{URL: r.URL, Ref: "v1", MaxBytes: 1 << 20, Guard: loopbackGuard(t)}, dest); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(filepath.Join(dest, "d", "l")); err != nil || target != "../a" {
		t.Fatalf("d/l -> %q, %v", target, err)
	}
}

// TestFetchGitRedirectToLoopback: a repository on an allowed host that
// redirects the clone to a refused one is refused at the hop.
func TestFetchGitRedirectToLoopback(t *testing.T) {
	inner := gittest.NewRepo(t, gittest.Commit{Files: map[string]string{"a": "secret\n"}, Tag: "v1"})
	outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.Server.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	defer outer.Close()
	g := newGuard(t, HostPolicy{Allow: []string{"repo.example"}, Resolver: fakeDNS{"repo.example": {"127.0.0.1"}}})
	dest := filepath.Join(t.TempDir(), "code")
	_, err := FetchGit(context.Background(), GitFetch{URL: "http://repo.example:" + port(t, outer.URL) + "/repo.git", Ref: "v1", Guard: g}, dest)
	if !errors.Is(err, ErrAddressRefused) || !strings.Contains(err.Error(), "address 127.0.0.1 is loopback") {
		t.Fatalf("got %v", err)
	}
	// Allowing the target too, the redirect is followed.
	g = newGuard(t, HostPolicy{Allow: []string{"repo.example", "127.0.0.1"}, Resolver: fakeDNS{"repo.example": {"127.0.0.1"}}})
	if _, err := FetchGit(context.Background(), GitFetch{URL: "http://repo.example:" + port(t, outer.URL) + "/repo.git", Ref: "v1", Guard: g}, dest); err != nil {
		t.Fatal(err)
	}
}
