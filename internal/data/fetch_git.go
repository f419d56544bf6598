package data

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/deco-network/deco/internal/job"
)

// ErrRevisionNotFound: the repository has no such commit or tag.
var ErrRevisionNotFound = errors.New("revision not found")

// GitFetch is one repository checked out at an exact revision.
type GitFetch struct {
	// URL is the repository's http(s) clone address.
	URL string
	// Ref is a full 40-digit commit hash or a tag name.
	Ref string
	// MaxBytes caps the checked-out tree (the .git directory excluded);
	// zero means no cap.
	MaxBytes int64
}

// FetchGit clones g.URL into dest (which must not exist or be empty) with
// go-git and checks out exactly the commit g.Ref names; a tag is resolved
// to its commit (annotated tags peeled). The .git directory is removed, so
// dest holds the work tree only. It returns the commit hash. On error dest
// is removed.
func FetchGit(ctx context.Context, g GitFetch, dest string) (commit string, err error) {
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dest)
			err = fmt.Errorf("git %s at %s: %w", g.URL, g.Ref, err)
		}
	}()
	repo, err := git.PlainCloneContext(ctx, dest, false, &git.CloneOptions{
		URL: g.URL, NoCheckout: true, Tags: git.AllTags,
	})
	if err != nil {
		return "", fmt.Errorf("clone: %w", err)
	}
	hash, err := resolveRef(repo, g.Ref)
	if err != nil {
		return "", err
	}
	wt, err := repo.Worktree()
	if err != nil {
		return "", err
	}
	if err := wt.Checkout(&git.CheckoutOptions{Hash: hash, Force: true}); err != nil {
		return "", fmt.Errorf("checkout %s: %w", hash, err)
	}
	head, err := repo.Head()
	if err != nil {
		return "", err
	}
	if head.Hash() != hash {
		return "", fmt.Errorf("checked out %s, want %s", head.Hash(), hash)
	}
	if err := os.RemoveAll(filepath.Join(dest, ".git")); err != nil {
		return "", err
	}
	if g.MaxBytes > 0 {
		size, err := TreeSize(dest)
		if err != nil {
			return "", err
		}
		if size > g.MaxBytes {
			return "", fmt.Errorf("%w: work tree is %d bytes, the cap is %d", ErrTooLarge, size, g.MaxBytes)
		}
	}
	return hash.String(), nil
}

// resolveRef finds the commit a full hash or a tag names.
func resolveRef(repo *git.Repository, ref string) (plumbing.Hash, error) {
	if job.IsCommit(ref) {
		h := plumbing.NewHash(ref)
		if _, err := repo.CommitObject(h); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("%w: commit %s is not in the repository", ErrRevisionNotFound, ref)
		}
		return h, nil
	}
	r, err := repo.Tag(ref)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("%w: no tag %q (give a tag or a full 40-digit commit hash)", ErrRevisionNotFound, ref)
	}
	tag, err := repo.TagObject(r.Hash())
	switch {
	case err == nil:
		c, err := tag.Commit()
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("tag %q does not point to a commit: %w", ref, err)
		}
		return c.Hash, nil
	case errors.Is(err, plumbing.ErrObjectNotFound):
		// A lightweight tag points at the commit itself.
		var c *object.Commit
		if c, err = repo.CommitObject(r.Hash()); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("tag %q does not point to a commit: %w", ref, err)
		}
		return c.Hash, nil
	default:
		return plumbing.ZeroHash, err
	}
}
