package data

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Default limits applied by Unpack to zero fields of Limits.
const (
	DefaultMaxBytes = 64 << 30
	DefaultMaxFiles = 1_000_000
)

// Limits bound what Unpack accepts from a stream.
type Limits struct {
	// MaxBytes caps the total size of regular files; 0 means
	// DefaultMaxBytes.
	MaxBytes int64
	// MaxFiles caps the number of entries (files, directories and links);
	// 0 means DefaultMaxFiles.
	MaxFiles int
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	return l
}

// packTime is the modification time written for every tar entry.
var packTime = time.Unix(0, 0)

// Pack writes the tree under dir to w as a deterministic tar stream:
// entries in canonical order, directories, regular files and symbolic
// links only, with zero times, owners and groups and permission bits only.
// Two trees with the same digest pack to the same bytes.
func Pack(ctx context.Context, dir string, w io.Writer) error {
	entries, err := scan(ctx, dir)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("pack tree: %w", err)
	}
	defer root.Close()
	tw := tar.NewWriter(w)
	buf := make([]byte, copyBufSize)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr := &tar.Header{Name: e.Path, Mode: int64(e.Mode.Perm()), ModTime: packTime}
		switch {
		case e.Mode.IsDir():
			hdr.Typeflag, hdr.Name = tar.TypeDir, e.Path+"/"
		case e.Mode&fs.ModeSymlink != 0:
			hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, e.Target
		default:
			hdr.Typeflag, hdr.Size = tar.TypeReg, e.Size
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("pack %s: %w", e.Path, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		f, err := openRegular(root, e.Path, e.Size)
		if err != nil {
			return fmt.Errorf("pack tree: %w", err)
		}
		n, err := io.CopyBuffer(tw, f, buf)
		f.Close()
		if err != nil {
			return fmt.Errorf("pack %s: %w", e.Path, err)
		}
		if n != e.Size {
			return fmt.Errorf("pack tree: %s changed while being read", e.Path)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("pack tree: %w", err)
	}
	return nil
}

// unpacker holds the state of one Unpack.
type unpacker struct {
	root    *os.Root
	lim     Limits
	entries map[string]*Entry
	// implicit marks directories created for a path's parents without
	// their own tar entry (yet).
	implicit map[string]bool
	links    map[string]bool
	bytes    int64
	buf      []byte
}

// Unpack reads a tar stream made by Pack and writes its tree under dir,
// which must be absent or empty. It refuses absolute and non-canonical
// paths, "..", duplicate paths, entries below a symbolic link, links that
// leave the tree, hard links, devices and every other special entry, and
// streams beyond lim. It then compares the digest of what it wrote with
// want and returns a *DigestMismatchError (matching ErrDigestMismatch)
// when they differ. On any error it removes everything it wrote.
// Directories missing from the stream are created with mode 0755.
func Unpack(ctx context.Context, r io.Reader, dir string, want string, lim Limits) (Manifest, error) {
	if want == "" {
		return Manifest{}, errors.New("unpack: no expected digest given")
	}
	created, err := prepareDir(dir)
	if err != nil {
		return Manifest{}, fmt.Errorf("unpack: %w", err)
	}
	m, err := unpack(ctx, r, dir, want, lim.withDefaults())
	if err != nil {
		if cerr := cleanDir(dir, created); cerr != nil {
			return Manifest{}, fmt.Errorf("unpack: %w (and cleaning up: %v)", err, cerr)
		}
		return Manifest{}, fmt.Errorf("unpack: %w", err)
	}
	return m, nil
}

// prepareDir makes sure dir exists and is empty; created reports whether
// Unpack made it.
func prepareDir(dir string) (created bool, err error) {
	info, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return false, err
	}
	if !info.IsDir() {
		return false, fmt.Errorf("%s is not a directory", dir)
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	if len(names) > 0 {
		return false, fmt.Errorf("%s is not empty", dir)
	}
	return false, nil
}

// cleanDir removes what Unpack wrote: dir itself when it made it, else
// everything inside dir.
func cleanDir(dir string, created bool) error {
	// Unpack keeps directories writable until it succeeds, but make sure.
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
	if created {
		return os.RemoveAll(dir)
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		errs = append(errs, os.RemoveAll(filepath.Join(dir, n.Name())))
	}
	return errors.Join(errs...)
}

func unpack(ctx context.Context, r io.Reader, dir, want string, lim Limits) (Manifest, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return Manifest{}, err
	}
	defer root.Close()
	u := &unpacker{
		root: root, lim: lim, buf: make([]byte, copyBufSize),
		entries: map[string]*Entry{}, implicit: map[string]bool{}, links: map[string]bool{},
	}
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return Manifest{}, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, tar.ErrInsecurePath) {
			return Manifest{}, fmt.Errorf("%w: %q", ErrUnsafePath, hdr.Name)
		}
		if err != nil {
			return Manifest{}, fmt.Errorf("read tar: %w", err)
		}
		if err := u.entry(hdr, tr); err != nil {
			return Manifest{}, err
		}
	}
	entries := make([]Entry, 0, len(u.entries))
	for _, e := range u.entries {
		entries = append(entries, *e)
	}
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	if err := checkSymlinks(entries); err != nil {
		return Manifest{}, err
	}
	m := Manifest{Entries: entries}
	if got := m.Digest(); got != want {
		return Manifest{}, &DigestMismatchError{Want: want, Got: got}
	}
	// Directories get their final permissions last, deepest first, so
	// that read-only directories could be filled.
	for i := len(entries) - 1; i >= 0; i-- {
		if e := entries[i]; e.Mode.IsDir() {
			if err := root.Chmod(filepath.FromSlash(e.Path), e.Mode.Perm()); err != nil {
				return Manifest{}, err
			}
		}
	}
	return m, nil
}

// add records a new entry, enforcing the entry-count limit.
func (u *unpacker) add(e Entry) error {
	if len(u.entries) >= u.lim.MaxFiles {
		return fmt.Errorf("%w: more than %d files", ErrLimit, u.lim.MaxFiles)
	}
	u.entries[e.Path] = &e
	return nil
}

// parents creates the missing parent directories of p, refusing parents
// that are links or files.
func (u *unpacker) parents(p string) error {
	dir := path.Dir(p)
	if dir == "." {
		return nil
	}
	var prefix string
	for c := range strings.SplitSeq(dir, "/") {
		prefix = path.Join(prefix, c)
		e, ok := u.entries[prefix]
		switch {
		case !ok:
			if err := u.root.Mkdir(filepath.FromSlash(prefix), 0o700); err != nil {
				return err
			}
			u.implicit[prefix] = true
			if err := u.add(Entry{Path: prefix, Mode: fs.ModeDir | 0o755}); err != nil {
				return err
			}
		case e.Mode&fs.ModeSymlink != 0:
			return fmt.Errorf("%w: %q is below the symbolic link %q", ErrUnsafePath, p, prefix)
		case !e.Mode.IsDir():
			return fmt.Errorf("%w: %q is below the file %q", ErrUnsafePath, p, prefix)
		}
	}
	return nil
}

// entry writes one tar entry.
func (u *unpacker) entry(hdr *tar.Header, r io.Reader) error {
	name := hdr.Name
	if hdr.Typeflag == tar.TypeDir {
		name = strings.TrimSuffix(name, "/")
	}
	if err := checkPath(name); err != nil {
		return err
	}
	switch hdr.Typeflag {
	case tar.TypeDir, tar.TypeReg, tar.TypeSymlink:
	case tar.TypeLink:
		return fmt.Errorf("%w: %q is a hard link", ErrUnsupportedType, name)
	default:
		return fmt.Errorf("%w: %q has tar type %q", ErrUnsupportedType, name, hdr.Typeflag)
	}
	if err := u.parents(name); err != nil {
		return err
	}
	perm := fs.FileMode(hdr.Mode) & fs.ModePerm
	if e, ok := u.entries[name]; ok {
		if hdr.Typeflag == tar.TypeDir && u.implicit[name] {
			delete(u.implicit, name)
			e.Mode = fs.ModeDir | perm
			return nil
		}
		return fmt.Errorf("%w: %q appears twice", ErrUnsafePath, name)
	}
	osName := filepath.FromSlash(name)
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := u.add(Entry{Path: name, Mode: fs.ModeDir | perm}); err != nil {
			return err
		}
		return u.root.Mkdir(osName, 0o700)
	case tar.TypeSymlink:
		if err := checkLink(name, hdr.Linkname, u.links); err != nil {
			return err
		}
		if err := u.add(Entry{Path: name, Mode: fs.ModeSymlink | 0o777, Target: hdr.Linkname}); err != nil {
			return err
		}
		u.links[name] = true
		return u.root.Symlink(hdr.Linkname, osName)
	}
	if hdr.Size < 0 || hdr.Size > u.lim.MaxBytes-u.bytes {
		return fmt.Errorf("%w: more than %d bytes", ErrLimit, u.lim.MaxBytes)
	}
	u.bytes += hdr.Size
	e := Entry{Path: name, Mode: perm, Size: hdr.Size}
	if err := u.add(e); err != nil {
		return err
	}
	f, err := u.root.OpenFile(osName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(f, h), io.LimitReader(r, hdr.Size), u.buf)
	if err == nil && n != hdr.Size {
		err = fmt.Errorf("%s: short file", name)
	}
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	u.entries[name].SHA256 = hex.EncodeToString(h.Sum(nil))
	return nil
}
