package data

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// node describes one entry to create in a test tree.
type node struct {
	path    string
	mode    fs.FileMode // type bits and permissions
	content string      // file contents or link target
}

// writeTree creates nodes under dir in the given order, each with the
// given modification time offset, so tests can vary order and times.
func writeTree(t testing.TB, dir string, nodes []node, mtime time.Time) {
	t.Helper()
	for _, n := range nodes {
		p := filepath.Join(dir, filepath.FromSlash(n.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case n.mode.IsDir():
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case n.mode&fs.ModeSymlink != 0:
			if err := os.Symlink(n.content, p); err != nil {
				t.Fatal(err)
			}
			continue
		default:
			if err := os.WriteFile(p, []byte(n.content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(p, n.mode.Perm()); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

var sampleTree = []node{
	{path: "a", mode: fs.ModeDir | 0o755},
	{path: "a/b.txt", mode: 0o644, content: "hello\n"},
	{path: "a-c", mode: 0o755, content: "#!/bin/sh\n"},
	{path: "empty", mode: 0o600},
	{path: "d/e/f", mode: fs.ModeDir | 0o750},
	{path: "link", mode: fs.ModeSymlink, content: "a/b.txt"},
	{path: "d/up", mode: fs.ModeSymlink, content: "../a"},
}

func digestOf(t testing.TB, dir string) string {
	t.Helper()
	_, d, err := Digest(dir)
	if err != nil {
		t.Fatalf("Digest(%s): %v", dir, err)
	}
	return d
}

func TestDigestEncoding(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, sampleTree, time.Unix(1e9, 0))
	m, d, err := Digest(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	want := "deco-tree/1\n" +
		"d 0755 0 - a\x00\x00" +
		"f 0755 10 " + sum("#!/bin/sh\n") + " a-c\x00\x00" +
		"f 0644 6 " + sum("hello\n") + " a/b.txt\x00\x00" +
		"d 0755 0 - d\x00\x00" +
		"d 0755 0 - d/e\x00\x00" +
		"d 0750 0 - d/e/f\x00\x00" +
		"l 0777 0 - d/up\x00../a\x00" +
		"f 0600 0 " + sum("") + " empty\x00\x00" +
		"l 0777 0 - link\x00a/b.txt\x00"
	if got := string(m.Encode()); got != want {
		t.Fatalf("encoding:\n got %q\nwant %q", got, want)
	}
	if d != "sha256:"+sum(want) || d != m.Digest() {
		t.Fatalf("digest %s is not sha256 of the encoding", d)
	}
	if m.TotalSize() != 16 {
		t.Fatalf("TotalSize = %d", m.TotalSize())
	}
}

func TestDigestEmptyTree(t *testing.T) {
	sum := sha256.Sum256([]byte("deco-tree/1\n"))
	if got, want := digestOf(t, t.TempDir()), "sha256:"+hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("empty tree digest %s, want %s", got, want)
	}
}

func TestDigestIgnoresOrderAndTimes(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeTree(t, a, sampleTree, time.Unix(1e9, 0))
	reversed := make([]node, len(sampleTree))
	for i, n := range sampleTree {
		reversed[len(sampleTree)-1-i] = n
	}
	writeTree(t, b, reversed, time.Unix(2e9, 0))
	if digestOf(t, a) != digestOf(t, b) {
		t.Fatal("same tree written in another order at another time has another digest")
	}
}

func TestDigestChanges(t *testing.T) {
	base := t.TempDir()
	writeTree(t, base, sampleTree, time.Unix(1e9, 0))
	d0 := digestOf(t, base)
	tests := []struct {
		name   string
		change func(dir string) error
	}{
		{name: "one byte", change: func(dir string) error { return os.WriteFile(filepath.Join(dir, "a/b.txt"), []byte("hellO\n"), 0o644) }},
		{name: "file mode", change: func(dir string) error { return os.Chmod(filepath.Join(dir, "a/b.txt"), 0o640) }},
		{name: "dir mode", change: func(dir string) error { return os.Chmod(filepath.Join(dir, "d/e"), 0o700) }},
		{name: "name", change: func(dir string) error { return os.Rename(filepath.Join(dir, "empty"), filepath.Join(dir, "Empty")) }},
		{name: "new empty dir", change: func(dir string) error { return os.Mkdir(filepath.Join(dir, "new"), 0o755) }},
		{name: "link target", change: func(dir string) error {
			p := filepath.Join(dir, "link")
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.Symlink("a", p)
		}},
		{name: "file becomes link", change: func(dir string) error {
			p := filepath.Join(dir, "empty")
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.Symlink("a", p)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, sampleTree, time.Unix(1e9, 0))
			if err := tc.change(dir); err != nil {
				t.Fatal(err)
			}
			if digestOf(t, dir) == d0 {
				t.Fatal("digest did not change")
			}
		})
	}
}

func TestDigestRefuses(t *testing.T) {
	tests := []struct {
		name string
		make func(dir string) error
		want error
		path string
	}{
		{name: "fifo", make: func(dir string) error { return syscall.Mkfifo(filepath.Join(dir, "sub/pipe"), 0o644) }, want: ErrUnsupportedType, path: "sub/pipe"},
		{name: "socket", make: func(dir string) error {
			l, err := net.Listen("unix", filepath.Join(dir, "sub/sock"))
			if err != nil {
				return err
			}
			l.(*net.UnixListener).SetUnlinkOnClose(false)
			return l.Close()
		}, want: ErrUnsupportedType, path: "sub/sock"},
		{name: "device", make: func(dir string) error {
			return syscall.Mknod(filepath.Join(dir, "sub/null"), syscall.S_IFCHR|0o666, 1<<8|3)
		}, want: ErrUnsupportedType, path: "sub/null"},
		{name: "absolute link", make: func(dir string) error { return os.Symlink("/etc/passwd", filepath.Join(dir, "sub/l")) }, want: ErrUnsafeSymlink, path: "sub/l"},
		{name: "escaping link", make: func(dir string) error { return os.Symlink("../../x", filepath.Join(dir, "sub/l")) }, want: ErrUnsafeSymlink, path: "sub/l"},
		{name: "link through a link", make: func(dir string) error {
			// sub/self -> . ; up -> sub/self/../.. resolves outside although
			// it looks inside when read without following sub/self.
			if err := os.Symlink(".", filepath.Join(dir, "sub/self")); err != nil {
				return err
			}
			return os.Symlink("sub/self/../..", filepath.Join(dir, "up"))
		}, want: ErrUnsafeSymlink, path: "up"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := tc.make(dir); err != nil {
				if tc.name == "device" && errors.Is(err, syscall.EPERM) {
					t.Skip("mknod needs privileges")
				}
				t.Fatal(err)
			}
			_, _, err := Digest(dir)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("Digest = %v, want %v naming %s", err, tc.want, tc.path)
			}
			if err := Pack(context.Background(), dir, &bytes.Buffer{}); !errors.Is(err, tc.want) {
				t.Fatalf("Pack = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDigestNotADirectory(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Digest(f); err == nil {
		t.Fatal("Digest of a file succeeded")
	}
	if _, _, err := Digest(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Digest of a missing dir = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	writeTree(t, dir, sampleTree, time.Now())
	if _, _, err := DigestContext(ctx, dir); !errors.Is(err, context.Canceled) {
		t.Fatalf("DigestContext with a cancelled ctx = %v", err)
	}
}

func TestPackUnpackRoundTrip(t *testing.T) {
	src := t.TempDir()
	nodes := append([]node{
		{path: strings.Repeat("long-name/", 15) + "file", mode: 0o644, content: "deep"},
		{path: "ro", mode: fs.ModeDir | 0o555},
		{path: "big", mode: 0o644, content: strings.Repeat("x", 1<<20+3)},
	}, sampleTree...)
	// ro is made read-only after its child exists.
	writeTree(t, src, []node{{path: "ro/child", mode: 0o444, content: "c"}}, time.Unix(5, 0))
	writeTree(t, src, nodes, time.Unix(7, 0))
	want := digestOf(t, src)

	var tar1, tar2 bytes.Buffer
	if err := Pack(context.Background(), src, &tar1); err != nil {
		t.Fatal(err)
	}
	if err := Pack(context.Background(), src, &tar2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(tar1.Bytes(), tar2.Bytes()) {
		t.Fatal("Pack is not deterministic")
	}
	dst := filepath.Join(t.TempDir(), "out")
	m, err := Unpack(context.Background(), bytes.NewReader(tar1.Bytes()), dst, want, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Digest() != want {
		t.Fatalf("Unpack manifest digest %s, want %s", m.Digest(), want)
	}
	if got := digestOf(t, dst); got != want {
		t.Fatalf("unpacked tree digest %s, want %s", got, want)
	}
	// A second tree with the same digest packs to the same bytes.
	var tar3 bytes.Buffer
	if err := Pack(context.Background(), dst, &tar3); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(tar1.Bytes(), tar3.Bytes()) {
		t.Fatal("unpacked tree packs differently")
	}
	// Zero times, owners.
	tr := tar.NewReader(bytes.NewReader(tar1.Bytes()))
	for {
		hdr, err := tr.Next()
		if err != nil {
			break
		}
		if hdr.ModTime.Unix() != 0 || hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" || hdr.Gname != "" {
			t.Fatalf("header %s carries times or owners: %+v", hdr.Name, hdr)
		}
	}
}

func TestUnpackEmptyTreeIntoEmptyDir(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	var buf bytes.Buffer
	if err := Pack(context.Background(), src, &buf); err != nil {
		t.Fatal(err)
	}
	if _, err := Unpack(context.Background(), &buf, dst, digestOf(t, src), Limits{}); err != nil {
		t.Fatal(err)
	}
}
