package data

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tarEntry is one header (and body for regular files) of a crafted stream.
type tarEntry struct {
	name     string
	typ      byte
	mode     int64
	body     string
	linkname string
	size     int64 // overrides len(body) in the header when non-zero
}

func makeTar(t testing.TB, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.linkname, Size: int64(len(e.body))}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		if e.size != 0 {
			hdr.Size = e.size
		}
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg && e.body != "" {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if entries[len(entries)-1].size != 0 {
		// The last body is deliberately shorter than its header says.
		return buf.Bytes()
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// expectedDigest is the digest Unpack should find for entries that it
// accepts: computed by unpacking through the mismatch error.
func gotDigest(t *testing.T, stream []byte) string {
	t.Helper()
	_, err := Unpack(context.Background(), bytes.NewReader(stream), filepath.Join(t.TempDir(), "probe"), "sha256:none", Limits{})
	var dm *DigestMismatchError
	if !errors.As(err, &dm) {
		t.Fatalf("probe unpack: %v", err)
	}
	return dm.Got
}

// assertClean checks that the parent holds nothing but an absent or empty
// dir after a failed Unpack, and nothing was written beside it.
func assertClean(t *testing.T, parent, dir string) {
	t.Helper()
	names, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if n.Name() != filepath.Base(dir) {
			t.Errorf("%s was written outside the target dir", n.Name())
		}
	}
	if inner, err := os.ReadDir(dir); err == nil && len(inner) > 0 {
		t.Errorf("target dir still holds %d entries", len(inner))
	}
}

func TestUnpackRefusals(t *testing.T) {
	tests := []struct {
		name    string
		entries []tarEntry
		lim     Limits
		want    error
	}{
		{name: "absolute path", entries: []tarEntry{{name: "/etc/x", typ: tar.TypeReg, body: "x"}}, want: ErrUnsafePath},
		{name: "dot dot", entries: []tarEntry{{name: "../x", typ: tar.TypeReg, body: "x"}}, want: ErrUnsafePath},
		{name: "inner dot dot", entries: []tarEntry{{name: "a/../../x", typ: tar.TypeReg, body: "x"}}, want: ErrUnsafePath},
		{name: "non-canonical", entries: []tarEntry{{name: "./a", typ: tar.TypeReg, body: "x"}}, want: ErrUnsafePath},
		{name: "double slash", entries: []tarEntry{{name: "a//b", typ: tar.TypeReg, body: "x"}}, want: ErrUnsafePath},
		{name: "duplicate", entries: []tarEntry{{name: "a", typ: tar.TypeReg, body: "x"}, {name: "a", typ: tar.TypeReg, body: "y"}}, want: ErrUnsafePath},
		{name: "file below file", entries: []tarEntry{{name: "a", typ: tar.TypeReg, body: "x"}, {name: "a/b", typ: tar.TypeReg, body: "y"}}, want: ErrUnsafePath},
		{name: "escaping symlink", entries: []tarEntry{{name: "l", typ: tar.TypeSymlink, linkname: "../outside"}}, want: ErrUnsafeSymlink},
		{name: "absolute symlink", entries: []tarEntry{{name: "l", typ: tar.TypeSymlink, linkname: "/etc"}}, want: ErrUnsafeSymlink},
		{name: "write through symlink", entries: []tarEntry{
			{name: "d", typ: tar.TypeDir, mode: 0o755},
			{name: "l", typ: tar.TypeSymlink, linkname: "d"},
			{name: "l/x", typ: tar.TypeReg, body: "x"},
		}, want: ErrUnsafePath},
		{name: "symlink through symlink", entries: []tarEntry{
			{name: "s/self", typ: tar.TypeSymlink, linkname: "."},
			{name: "up", typ: tar.TypeSymlink, linkname: "s/self/../.."},
		}, want: ErrUnsafeSymlink},
		{name: "symlink through later symlink", entries: []tarEntry{
			{name: "up", typ: tar.TypeSymlink, linkname: "s/self/../.."},
			{name: "s/self", typ: tar.TypeSymlink, linkname: "."},
		}, want: ErrUnsafeSymlink},
		{name: "hard link", entries: []tarEntry{{name: "a", typ: tar.TypeReg, body: "x"}, {name: "b", typ: tar.TypeLink, linkname: "a"}}, want: ErrUnsupportedType},
		{name: "char device", entries: []tarEntry{{name: "null", typ: tar.TypeChar}}, want: ErrUnsupportedType},
		{name: "block device", entries: []tarEntry{{name: "sda", typ: tar.TypeBlock}}, want: ErrUnsupportedType},
		{name: "fifo", entries: []tarEntry{{name: "p", typ: tar.TypeFifo}}, want: ErrUnsupportedType},
		{name: "oversize", entries: []tarEntry{{name: "a", typ: tar.TypeReg, body: "12345"}, {name: "b", typ: tar.TypeReg, body: "678"}}, lim: Limits{MaxBytes: 7}, want: ErrLimit},
		{name: "declared oversize", entries: []tarEntry{{name: "a", typ: tar.TypeReg, body: "1", size: 1 << 40}}, lim: Limits{MaxBytes: 1 << 20}, want: ErrLimit},
		{name: "too many files", entries: []tarEntry{{name: "a", typ: tar.TypeReg}, {name: "b", typ: tar.TypeReg}, {name: "c", typ: tar.TypeReg}}, lim: Limits{MaxFiles: 2}, want: ErrLimit},
		{name: "implicit dirs count", entries: []tarEntry{{name: "a/b/c/d", typ: tar.TypeReg}}, lim: Limits{MaxFiles: 3}, want: ErrLimit},
		{name: "mismatch", entries: []tarEntry{{name: "a", typ: tar.TypeReg, body: "x"}}, want: ErrDigestMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stream := makeTar(t, tc.entries)
			parent := t.TempDir()
			dir := filepath.Join(parent, "out")
			_, err := Unpack(context.Background(), bytes.NewReader(stream), dir, "sha256:0000", tc.lim)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Unpack = %v, want %v", err, tc.want)
			}
			assertClean(t, parent, dir)
			if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("dir Unpack created was left behind: %v", err)
			}
		})
	}
}

func TestUnpackAcceptsWithinLimits(t *testing.T) {
	entries := []tarEntry{{name: "a/b", typ: tar.TypeReg, body: "12345"}, {name: "c", typ: tar.TypeReg, body: "67"}}
	stream := makeTar(t, entries)
	want := gotDigest(t, stream)
	dir := filepath.Join(t.TempDir(), "out")
	m, err := Unpack(context.Background(), bytes.NewReader(stream), dir, want, Limits{MaxBytes: 7, MaxFiles: 3})
	if err != nil {
		t.Fatal(err)
	}
	// The implicit parent gets 0755.
	if len(m.Entries) != 3 || m.Entries[0].Path != "a" || m.Entries[0].Mode != fs.ModeDir|0o755 {
		t.Fatalf("manifest %+v", m.Entries)
	}
	if _, got, err := Digest(dir); err != nil || got != want {
		t.Fatalf("Digest of unpacked tree = %s, %v; want %s", got, err, want)
	}
}

func TestUnpackIntoExistingDir(t *testing.T) {
	stream := makeTar(t, []tarEntry{{name: "a", typ: tar.TypeReg, body: "x"}})
	want := gotDigest(t, stream)
	t.Run("empty dir is used and kept on failure", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := Unpack(context.Background(), bytes.NewReader(stream), dir, "sha256:bad", Limits{}); !errors.Is(err, ErrDigestMismatch) {
			t.Fatalf("Unpack = %v", err)
		}
		names, err := os.ReadDir(dir)
		if err != nil || len(names) != 0 {
			t.Fatalf("dir after failure: %v, %v", names, err)
		}
		if _, err := Unpack(context.Background(), bytes.NewReader(stream), dir, want, Limits{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("non-empty dir refused", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "keep"), []byte("k"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Unpack(context.Background(), bytes.NewReader(stream), dir, want, Limits{}); err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Fatalf("Unpack = %v", err)
		}
		if b, err := os.ReadFile(filepath.Join(dir, "keep")); err != nil || string(b) != "k" {
			t.Fatal("existing file was touched")
		}
	})
	t.Run("no expected digest refused", func(t *testing.T) {
		if _, err := Unpack(context.Background(), bytes.NewReader(stream), t.TempDir(), "", Limits{}); err == nil {
			t.Fatal("Unpack without a digest succeeded")
		}
	})
}

func TestUnpackTruncatedStream(t *testing.T) {
	stream := makeTar(t, []tarEntry{{name: "a", typ: tar.TypeReg, body: strings.Repeat("x", 5000)}})
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	if _, err := Unpack(context.Background(), bytes.NewReader(stream[:2000]), dir, "sha256:x", Limits{}); err == nil || errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("Unpack of a truncated stream = %v", err)
	}
	assertClean(t, parent, dir)
}

// fuzzTar turns fuzz input into a well-formed tar stream (so that the
// fuzzer is not stopped by header checksums): each line is one entry, its
// first byte picks the type and permission bits, and the rest is
// "name|body or link target".
func fuzzTar(spec []byte) []byte {
	types := []byte{tar.TypeReg, tar.TypeDir, tar.TypeSymlink, tar.TypeReg, tar.TypeLink, tar.TypeFifo, tar.TypeChar, tar.TypeDir}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for line := range bytes.SplitSeq(spec, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		typ := types[int(line[0])%len(types)]
		name, rest, _ := strings.Cut(string(line[1:]), "|")
		hdr := &tar.Header{Name: name, Typeflag: typ, Mode: int64(line[0]) << 1 & 0o777}
		switch typ {
		case tar.TypeReg:
			hdr.Size = int64(len(rest))
		case tar.TypeSymlink, tar.TypeLink:
			hdr.Linkname = rest
		}
		if tw.WriteHeader(hdr) != nil {
			continue
		}
		if typ == tar.TypeReg {
			_, _ = tw.Write([]byte(rest))
		}
	}
	_ = tw.Close()
	return buf.Bytes()
}

// FuzzUnpack checks that Unpack never panics, never writes outside its
// directory, leaves nothing behind when it fails, and that what it accepts
// digests as it reported. With structured set, the input is turned into a
// well-formed tar by fuzzTar; otherwise it is the raw stream.
func FuzzUnpack(f *testing.F) {
	f.Add(makeTar(f, []tarEntry{{name: "a/b", typ: tar.TypeReg, body: "hello"}, {name: "l", typ: tar.TypeSymlink, linkname: "a/b"}}), false)
	f.Add(makeTar(f, []tarEntry{{name: "../x", typ: tar.TypeReg, body: "x"}}), false)
	f.Add([]byte("not a tar"), false)
	f.Add([]byte("\x00a/b|hello\n\x02l|a/b\n\x01d\n\x03d/x|1"), true)
	f.Add([]byte("\x02l|..\n\x00l/x|x"), true)
	f.Add([]byte("\x02s/self|.\n\x02up|s/self/../..\n\x00s/self/x|y"), true)
	f.Add([]byte("\x08d\n\x00d/x|x\n\x0ad/y|z"), true)
	f.Add([]byte("\x00a|x\n\x04b|a\n\x05p|"), true)
	f.Fuzz(func(t *testing.T, stream []byte, structured bool) {
		if structured {
			stream = fuzzTar(stream)
		}
		parent := t.TempDir()
		dir := filepath.Join(parent, "out")
		lim := Limits{MaxBytes: 1 << 20, MaxFiles: 100}
		_, err := Unpack(context.Background(), bytes.NewReader(stream), dir, "sha256:none", lim)
		if err == nil {
			t.Fatal("Unpack accepted a wrong digest")
		}
		assertClean(t, parent, dir)
		var dm *DigestMismatchError
		if !errors.As(err, &dm) {
			return
		}
		// The stream itself is acceptable: unpack it for real.
		m, err := Unpack(context.Background(), bytes.NewReader(stream), dir, dm.Got, lim)
		if err != nil {
			t.Fatalf("second Unpack with the digest it reported: %v", err)
		}
		names, _ := os.ReadDir(parent)
		if len(names) != 1 {
			t.Fatalf("Unpack wrote beside its dir: %v", names)
		}
		_, got, err := Digest(dir)
		if err != nil || got != m.Digest() {
			t.Fatalf("Digest of unpacked tree = %s, %v; Unpack reported %s", got, err, m.Digest())
		}
		var again bytes.Buffer
		if err := Pack(context.Background(), dir, &again); err != nil {
			t.Fatalf("Pack of an accepted tree: %v", err)
		}
	})
}
