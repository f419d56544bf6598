// Package data moves the files of executions: it fetches a task's inputs
// (an http(s) file, a git checkout, inline files; only from addresses the
// provider's HostPolicy allows, see Guard), addresses an output tree
// by a deterministic digest, and packs and unpacks trees as tar streams
// that are checked against that digest.
//
// # Manifest and digest
//
// A tree's manifest lists every directory, regular file and symbolic link
// under its root (the root itself excluded), sorted by the byte order of
// their slash-separated paths relative to the root. Each entry records
// its type, its permission bits (mode & 0o777; set-user-ID, set-group-ID
// and sticky bits are not part of a result and are dropped), the size and
// SHA-256 of a regular file's contents, and a symbolic link's target.
// Devices, sockets and named pipes are refused. Times, owners, link counts
// and the order in which the tree was written do not count.
//
// The canonical encoding of a manifest is the bytes
//
//	"deco-tree/1\n"
//
// followed by, for each entry in order,
//
//	type ' ' perm ' ' size ' ' sha256 ' ' path '\x00' target '\x00'
//
// where type is 'd' (directory), 'f' (regular file) or 'l' (symbolic
// link); perm is four octal digits ("0644"); size is the decimal byte
// count of a file's contents ("0" for directories and links); sha256 is
// the 64 lower-case hex digits of a file's SHA-256 ("-" for directories
// and links); path is the relative path; and target is a link's target
// (empty for directories and files). Paths and targets cannot contain NUL,
// so the encoding is unambiguous. The digest of a tree is "sha256:"
// followed by the hex SHA-256 of this encoding; the empty tree's digest is
// that of "deco-tree/1\n" alone.
//
// # Symbolic links
//
// A link must be relative and must resolve inside the tree without
// passing through another link (a link may point at a link). Links that
// do not are refused by Digest, Pack and Unpack alike, so a tree that
// digests can always be delivered.
package data

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Sentinel errors; the errors returned wrap them and name the path.
var (
	// ErrUnsupportedType is returned for devices, sockets, named pipes,
	// hard links and other entries a result cannot hold.
	ErrUnsupportedType = errors.New("unsupported file type")
	// ErrUnsafePath is returned for absolute or non-canonical paths, paths
	// with "..", duplicate paths and paths below a symbolic link.
	ErrUnsafePath = errors.New("unsafe path")
	// ErrUnsafeSymlink is returned for a symbolic link that is absolute,
	// resolves outside the tree or passes through another link.
	ErrUnsafeSymlink = errors.New("unsafe symbolic link")
	// ErrLimit is returned when a tree exceeds a size or file-count limit.
	ErrLimit = errors.New("limit exceeded")
	// ErrDigestMismatch is returned when an unpacked tree's digest is not
	// the one expected; see DigestMismatchError.
	ErrDigestMismatch = errors.New("digest mismatch")
)

// DigestMismatchError reports the digest a tree was expected to have and
// the one it has. It matches ErrDigestMismatch with errors.Is.
type DigestMismatchError struct {
	Want, Got string
}

// Error says both digests.
func (e *DigestMismatchError) Error() string {
	return fmt.Sprintf("digest mismatch: got %s, want %s", e.Got, e.Want)
}

// Is makes errors.Is(err, ErrDigestMismatch) true.
func (e *DigestMismatchError) Is(target error) bool { return target == ErrDigestMismatch }

// Entry is one directory, regular file or symbolic link of a tree.
type Entry struct {
	// Path is relative to the tree's root, slash-separated, canonical.
	Path string `json:"path"`
	// Mode holds the type (fs.ModeDir, fs.ModeSymlink or none for a
	// regular file) and the permission bits (0o777).
	Mode fs.FileMode `json:"mode"`
	// Size is the byte count of a regular file's contents; 0 otherwise.
	Size int64 `json:"size,omitempty"`
	// SHA256 is the hex SHA-256 of a regular file's contents.
	SHA256 string `json:"sha256,omitempty"`
	// Target is a symbolic link's target.
	Target string `json:"target,omitempty"`
}

// Manifest lists a tree's entries in canonical order.
type Manifest struct {
	Entries []Entry `json:"entries"`
}

// encodingHeader starts every canonical manifest encoding.
const encodingHeader = "deco-tree/1\n"

// Encode returns the manifest's canonical encoding (see the package doc).
func (m Manifest) Encode() []byte {
	var b strings.Builder
	b.WriteString(encodingHeader)
	for _, e := range m.Entries {
		typ, sum := byte('f'), e.SHA256
		switch {
		case e.Mode.IsDir():
			typ, sum = 'd', "-"
		case e.Mode&fs.ModeSymlink != 0:
			typ, sum = 'l', "-"
		}
		b.WriteByte(typ)
		fmt.Fprintf(&b, " %04o ", e.Mode.Perm())
		b.WriteString(strconv.FormatInt(e.Size, 10))
		b.WriteByte(' ')
		b.WriteString(sum)
		b.WriteByte(' ')
		b.WriteString(e.Path)
		b.WriteByte(0)
		b.WriteString(e.Target)
		b.WriteByte(0)
	}
	return []byte(b.String())
}

// Digest returns "sha256:<hex>" over the canonical encoding.
func (m Manifest) Digest() string {
	sum := sha256.Sum256(m.Encode())
	return "sha256:" + hex.EncodeToString(sum[:])
}

// TotalSize is the sum of the sizes of the regular files.
func (m Manifest) TotalSize() int64 {
	var n int64
	for _, e := range m.Entries {
		n += e.Size
	}
	return n
}

// checkPath reports whether p is a canonical relative slash path: not
// empty, not absolute, no "." or ".." components, no empty components.
func checkPath(p string) error {
	if p == "" || p == "." || strings.HasPrefix(p, "/") || path.Clean(p) != p ||
		p == ".." || strings.HasPrefix(p, "../") || strings.ContainsRune(p, 0) {
		return fmt.Errorf("%w: %q", ErrUnsafePath, p)
	}
	if len(p) > 4096 {
		return fmt.Errorf("%w: path of %d bytes", ErrUnsafePath, len(p))
	}
	return nil
}

// checkSymlinks verifies every link of a sorted entry list: relative,
// resolving inside the tree, and not passing through another link.
func checkSymlinks(entries []Entry) error {
	links := map[string]bool{}
	for _, e := range entries {
		if e.Mode&fs.ModeSymlink != 0 {
			links[e.Path] = true
		}
	}
	for _, e := range entries {
		if e.Mode&fs.ModeSymlink == 0 {
			continue
		}
		if err := checkLink(e.Path, e.Target, links); err != nil {
			return err
		}
	}
	return nil
}

// checkLink resolves target from the directory of the link at p, step by
// step, refusing to leave the tree or to pass through a link in links.
func checkLink(p, target string, links map[string]bool) error {
	if target == "" || strings.HasPrefix(target, "/") || strings.ContainsRune(target, 0) || len(target) > 4096 {
		return fmt.Errorf("%w: %q -> %q", ErrUnsafeSymlink, p, target)
	}
	var stack []string
	if dir := path.Dir(p); dir != "." {
		stack = strings.Split(dir, "/")
	}
	parts := strings.Split(target, "/")
	for i, c := range parts {
		switch c {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return fmt.Errorf("%w: %q -> %q leaves the tree", ErrUnsafeSymlink, p, target)
			}
			stack = stack[:len(stack)-1]
			continue
		}
		stack = append(stack, c)
		if links != nil && i < len(parts)-1 && links[strings.Join(stack, "/")] {
			return fmt.Errorf("%w: %q -> %q passes through another link", ErrUnsafeSymlink, p, target)
		}
	}
	return nil
}
