package gittest

import (
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// Objects writes raw objects into a repository NewRawRepo makes, so that
// a test can build trees no work tree would produce: one subtree shared
// by many entries (a tree that expands far past its pack), symlinks
// leading anywhere, entries with hostile names.
type Objects struct {
	t testing.TB
	s *memory.Storage
}

// Blob stores content and returns its hash.
func (o *Objects) Blob(content []byte) plumbing.Hash {
	o.t.Helper()
	obj := o.s.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, err := obj.Writer()
	if err != nil {
		o.t.Fatal(err)
	}
	if _, err := w.Write(content); err != nil {
		o.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		o.t.Fatal(err)
	}
	h, err := o.s.SetEncodedObject(obj)
	if err != nil {
		o.t.Fatal(err)
	}
	return h
}

// Tree stores a tree of the entries (given in git's order: sorted by
// name) and returns its hash.
func (o *Objects) Tree(entries ...object.TreeEntry) plumbing.Hash {
	o.t.Helper()
	obj := o.s.NewEncodedObject()
	if err := (&object.Tree{Entries: entries}).Encode(obj); err != nil {
		o.t.Fatal(err)
	}
	h, err := o.s.SetEncodedObject(obj)
	if err != nil {
		o.t.Fatal(err)
	}
	return h
}

// File, Dir and Link are tree entries.
func File(name string, h plumbing.Hash) object.TreeEntry {
	return object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: h}
}

// Dir is a subtree entry.
func Dir(name string, h plumbing.Hash) object.TreeEntry {
	return object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h}
}

// Link is a symlink entry whose target is the blob h.
func Link(name string, h plumbing.Hash) object.TreeEntry {
	return object.TreeEntry{Name: name, Mode: filemode.Symlink, Hash: h}
}

// NewRawRepo makes an in-memory repository with one commit, on master and
// tagged v1, whose tree build returns, and serves it (see Serve).
func NewRawRepo(t testing.TB, build func(o *Objects) plumbing.Hash) *Repo {
	t.Helper()
	st := memory.NewStorage()
	repo, err := git.Init(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	tree := build(&Objects{t: t, s: st})
	sig := object.Signature{Name: "deco", Email: "deco@example.org", When: time.Unix(1700000000, 0)}
	obj := st.NewEncodedObject()
	if err := (&object.Commit{Author: sig, Committer: sig, Message: "raw", TreeHash: tree}).Encode(obj); err != nil {
		t.Fatal(err)
	}
	c, err := st.SetEncodedObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []plumbing.ReferenceName{plumbing.Master, plumbing.NewTagReferenceName("v1")} {
		if err := st.SetReference(plumbing.NewHashReference(name, c)); err != nil {
			t.Fatal(err)
		}
	}
	r := &Repo{Commits: []string{c.String()}}
	r.Server = Serve(t, repo)
	r.URL = r.Server.URL + "/repo.git"
	return r
}
