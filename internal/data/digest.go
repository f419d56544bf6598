package data

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// copyBufSize is the read buffer for hashing and packing files.
const copyBufSize = 256 << 10

// scan lists the tree under dir in canonical order with types, permission
// bits and link targets, but without sizes or hashes of file contents.
// It refuses devices, sockets, named pipes and unsafe links.
func scan(ctx context.Context, dir string) ([]Entry, error) {
	info, err := os.Lstat(dir)
	if err != nil {
		return nil, fmt.Errorf("scan tree: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("scan tree: %s is not a directory", dir)
	}
	var entries []Entry
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.ContainsRune(rel, 0) {
			return fmt.Errorf("%w: %q", ErrUnsafePath, rel)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := info.Mode()
		e := Entry{Path: rel, Mode: mode.Perm()}
		switch {
		case mode.IsDir():
			e.Mode |= fs.ModeDir
		case mode.IsRegular():
			e.Size = info.Size()
		case mode&fs.ModeSymlink != 0:
			e.Mode |= fs.ModeSymlink
			if e.Target, err = os.Readlink(p); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: %s is a %s", ErrUnsupportedType, rel, describeType(mode))
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan tree %s: %w", dir, err)
	}
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	if err := checkSymlinks(entries); err != nil {
		return nil, fmt.Errorf("scan tree %s: %w", dir, err)
	}
	return entries, nil
}

// describeType names a non-regular file type for error messages.
func describeType(m fs.FileMode) string {
	switch {
	case m&fs.ModeDevice != 0 && m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file (" + m.Type().String() + ")"
}

// openRegular opens the regular file rel under root and checks that it is
// still the regular file of size want that scan saw.
func openRegular(root *os.Root, rel string, want int64) (*os.File, error) {
	f, err := root.Open(filepath.FromSlash(rel))
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() || info.Size() != want {
		f.Close()
		return nil, fmt.Errorf("%s changed while being read", rel)
	}
	return f, nil
}

// Digest walks the tree under dir and returns its manifest and digest
// (see the package doc for what they cover). It reads every file once.
func Digest(dir string) (Manifest, string, error) {
	return DigestContext(context.Background(), dir)
}

// DigestContext is Digest, stopping early when ctx is done.
func DigestContext(ctx context.Context, dir string) (Manifest, string, error) {
	entries, err := scan(ctx, dir)
	if err != nil {
		return Manifest{}, "", err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return Manifest{}, "", fmt.Errorf("digest tree: %w", err)
	}
	defer root.Close()
	buf := make([]byte, copyBufSize)
	h := sha256.New()
	for i := range entries {
		e := &entries[i]
		if !e.Mode.IsRegular() {
			continue
		}
		if err := ctx.Err(); err != nil {
			return Manifest{}, "", err
		}
		f, err := openRegular(root, e.Path, e.Size)
		if err != nil {
			return Manifest{}, "", fmt.Errorf("digest tree: %w", err)
		}
		h.Reset()
		n, err := io.CopyBuffer(h, f, buf)
		f.Close()
		if err != nil {
			return Manifest{}, "", fmt.Errorf("digest %s: %w", e.Path, err)
		}
		if n != e.Size {
			return Manifest{}, "", fmt.Errorf("digest tree: %s changed while being read", e.Path)
		}
		e.SHA256 = hex.EncodeToString(h.Sum(nil))
	}
	m := Manifest{Entries: entries}
	return m, m.Digest(), nil
}
