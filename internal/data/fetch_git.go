package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/sideband"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/deco-network/deco/internal/job"
)

// ErrRevisionNotFound: the repository has no such commit or tag.
var ErrRevisionNotFound = errors.New("revision not found")

// DefaultGitTimeout bounds a git fetch whose GitFetch.Timeout is zero.
const DefaultGitTimeout = 10 * time.Minute

// GitFetch is one repository checked out at an exact revision.
type GitFetch struct {
	// URL is the repository's http(s) clone address.
	URL string
	// Ref is a full 40-digit commit hash or a tag name.
	Ref string
	// MaxBytes caps the checked-out tree (the .git directory excluded)
	// and, apart, the download (the pack and the reference
	// advertisement); zero means no cap.
	MaxBytes int64
	// MaxFiles caps the entries of the checked-out tree (DefaultMaxFiles
	// when zero).
	MaxFiles int
	// Timeout bounds the whole fetch (DefaultGitTimeout when zero).
	Timeout time.Duration
	// Guard decides which addresses the clone may connect to (nil: a
	// Guard with the default HostPolicy).
	Guard *Guard
}

// FetchGit clones g.URL into dest (which must not exist or be empty) with
// go-git and checks out exactly the commit g.Ref names; a tag is resolved
// to its commit (annotated tags peeled). The .git directory is removed, so
// dest holds the work tree only. It returns the commit hash. On error dest
// is removed.
//
// The clone speaks git's smart HTTP protocol through g.Guard's client
// (go-git's http transport built per call, go-git's global protocol
// registry untouched), downloads at most MaxBytes, and sizes the commit's
// tree from its objects before checking anything out: a small pack whose
// tree would expand past MaxBytes or MaxFiles, or that holds a symlink
// leading out of the tree, is refused before it touches the disk.
func FetchGit(ctx context.Context, g GitFetch, dest string) (commit string, err error) {
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dest)
			err = fmt.Errorf("git %s at %s: %w", g.URL, g.Ref, refusal(err))
		}
	}()
	if g.Guard == nil {
		if g.Guard, err = NewGuard(HostPolicy{}); err != nil {
			return "", err
		}
	}
	if g.Timeout <= 0 {
		g.Timeout = DefaultGitTimeout
	}
	if g.MaxFiles <= 0 {
		g.MaxFiles = DefaultMaxFiles
	}
	ctx, cancel := context.WithTimeoutCause(ctx, g.Timeout, fmt.Errorf("%w: the fetch took longer than %s", ErrTooLarge, g.Timeout))
	defer cancel()
	repo, err := clone(ctx, g, dest)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
			return "", fmt.Errorf("clone: %w", cause)
		}
		return "", fmt.Errorf("clone: %w", err)
	}
	hash, err := resolveRef(repo, g.Ref)
	if err != nil {
		return "", err
	}
	if err := checkTree(ctx, repo, hash, g); err != nil {
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

// clone fetches every branch and tag of g.URL into a new repository at
// dest (objects and references, no work tree yet), as git clone would.
// It drives go-git's upload-pack client itself because go-git's
// Remote.Fetch picks its transport from a process-wide registry: this
// way the transport, with the Guard's client and the download budget, is
// this fetch's own.
func clone(ctx context.Context, g GitFetch, dest string) (*git.Repository, error) {
	ep, err := transport.NewEndpoint(g.URL)
	if err != nil {
		return nil, err
	}
	if ep.Protocol != "http" && ep.Protocol != "https" {
		return nil, fmt.Errorf("%s: only http and https repositories are fetched", ep.Protocol)
	}
	budget := &budgetTransport{next: g.Guard.Transport(), left: g.MaxBytes, max: g.MaxBytes}
	hc := &http.Client{Transport: budget, CheckRedirect: checkRedirect}
	sess, err := githttp.NewClient(hc).NewUploadPackSession(ep, nil)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		return nil, err
	}
	refs, err := ar.AllReferences()
	if err != nil {
		return nil, err
	}
	req := packp.NewUploadPackRequestFromCapabilities(ar.Capabilities)
	if ar.Capabilities.Supports(capability.NoProgress) {
		if err := req.Capabilities.Set(capability.NoProgress); err != nil {
			return nil, err
		}
	}
	var keep []*plumbing.Reference
	seen := map[plumbing.Hash]bool{}
	for _, r := range refs {
		if r.Type() != plumbing.HashReference || !(r.Name().IsBranch() || r.Name().IsTag()) {
			continue
		}
		keep = append(keep, r)
		if !seen[r.Hash()] {
			seen[r.Hash()] = true
			req.Wants = append(req.Wants, r.Hash())
		}
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return nil, err
	}
	st := filesystem.NewStorage(osfs.New(filepath.Join(dest, ".git")), cache.NewObjectLRUDefault())
	repo, err := git.Init(st, osfs.New(dest))
	if err != nil {
		return nil, err
	}
	if len(req.Wants) == 0 {
		return repo, nil // an empty repository: resolveRef says what is missing
	}
	resp, err := sess.UploadPack(ctx, req)
	if err != nil {
		return nil, err
	}
	defer resp.Close()
	var pack io.Reader = resp
	switch {
	case req.Capabilities.Supports(capability.Sideband64k):
		pack = sideband.NewDemuxer(sideband.Sideband64k, resp)
	case req.Capabilities.Supports(capability.Sideband):
		pack = sideband.NewDemuxer(sideband.Sideband, resp)
	}
	if err := packfile.UpdateObjectStorage(st, pack); err != nil {
		if budget.over() {
			return nil, fmt.Errorf("%w: the download is over %d bytes", ErrTooLarge, g.MaxBytes)
		}
		return nil, err
	}
	for _, r := range keep {
		if err := st.SetReference(r); err != nil {
			return nil, err
		}
	}
	return repo, nil
}

// budgetTransport fails response bodies once together they pass max
// bytes (max zero: no budget).
type budgetTransport struct {
	next http.RoundTripper
	max  int64
	mu   sync.Mutex
	left int64
	hit  bool
}

func (b *budgetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := b.next.RoundTrip(req)
	if err != nil || b.max <= 0 {
		return resp, err
	}
	resp.Body = &budgetBody{ReadCloser: resp.Body, b: b}
	return resp, nil
}

func (b *budgetTransport) over() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.hit
}

type budgetBody struct {
	io.ReadCloser
	b *budgetTransport
}

func (r *budgetBody) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.b.mu.Lock()
	defer r.b.mu.Unlock()
	r.b.left -= int64(n)
	if r.b.left < 0 {
		r.b.hit = true
		return n, fmt.Errorf("%w: the download is over %d bytes", ErrTooLarge, r.b.max)
	}
	return n, err
}

// checkTree sizes the tree of commit from its objects, before anything is
// checked out: its files together must fit g.MaxBytes, their count
// g.MaxFiles, and every symlink must stay inside the tree.
func checkTree(ctx context.Context, repo *git.Repository, hash plumbing.Hash, g GitFetch) error {
	c, err := repo.CommitObject(hash)
	if err != nil {
		return err
	}
	tree, err := c.Tree()
	if err != nil {
		return err
	}
	var size int64
	var files int
	var links []Entry
	iter := tree.Files()
	defer iter.Close()
	for {
		f, err := iter.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		files++
		if files > g.MaxFiles {
			return fmt.Errorf("%w: the tree of %s holds more than %d files", ErrTooLarge, hash, g.MaxFiles)
		}
		size += f.Size
		if g.MaxBytes > 0 && size > g.MaxBytes {
			return fmt.Errorf("%w: the tree of %s holds more than %d bytes, the cap", ErrTooLarge, hash, g.MaxBytes)
		}
		if f.Mode == filemode.Symlink {
			target, err := linkTarget(f)
			if err != nil {
				return err
			}
			links = append(links, Entry{Path: f.Name, Mode: fs.ModeSymlink | 0o777, Target: target})
		}
	}
	return checkSymlinks(links)
}

// linkTarget reads a symlink's target (a blob of at most 4096 bytes).
func linkTarget(f *object.File) (string, error) {
	if f.Size > 4096 {
		return "", fmt.Errorf("%w: %q -> a target of %d bytes", ErrUnsafeSymlink, f.Name, f.Size)
	}
	r, err := f.Reader()
	if err != nil {
		return "", err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, 4097))
	if err != nil {
		return "", err
	}
	return string(b), nil
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
