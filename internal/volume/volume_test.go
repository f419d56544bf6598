package volume

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// needVolumes skips where loop mounts are impossible, unless
// DECO_REQUIRE_VOLUMES says they must work (CI sets it where they do).
func needVolumes(t *testing.T) *Volumes {
	t.Helper()
	v := New(nil)
	if err := v.Probe(context.Background(), t.TempDir()); err != nil {
		if os.Getenv("DECO_REQUIRE_VOLUMES") != "" {
			t.Fatalf("DECO_REQUIRE_VOLUMES is set and volumes do not work here: %v", err)
		}
		t.Skipf("no size-limited volumes here: %v", err)
	}
	return v
}

// allocated is how much of the host's disk a file really takes.
func allocated(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Blocks * 512
}

// TestVolumeHoldsAFullSpeedWriter writes into a volume as fast as the
// kernel takes it until it refuses, and checks that neither what the
// writer got in nor what the host's disk holds passes the size.
func TestVolumeHoldsAFullSpeedWriter(t *testing.T) {
	v := needVolumes(t)
	ctx := context.Background()
	dir := t.TempDir()
	img, mnt := filepath.Join(dir, "out.img"), filepath.Join(dir, "out")
	const size = 32 << 20
	if err := v.Mount(ctx, img, mnt, size); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Remove(context.Background(), img, mnt) })
	if ok, err := MountPoint(mnt); err != nil || !ok {
		t.Fatalf("MountPoint = %v, %v after Mount", ok, err)
	}
	entries, err := os.ReadDir(mnt)
	if err != nil || len(entries) != 0 {
		t.Fatalf("a fresh volume holds %v (%v), want nothing", entries, err)
	}

	f, err := os.Create(filepath.Join(mnt, "big"))
	if err != nil {
		t.Fatal(err)
	}
	buf := bytes.Repeat([]byte{0xa5}, 1<<20)
	var written int64
	for {
		n, err := f.Write(buf)
		written += int64(n)
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("write: %v, want ENOSPC", err)
			}
			break
		}
		if written > 4*size {
			t.Fatalf("wrote %d bytes into a %d-byte volume", written, size)
		}
	}
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Fatal(err)
	}
	f.Close()
	syscall.Sync() // the loop device's writes reach the image
	// A second file gets nothing either.
	if err := os.WriteFile(filepath.Join(mnt, "more"), buf, 0o644); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("write past full: %v, want ENOSPC", err)
	}
	host := allocated(t, img)
	t.Logf("volume %d bytes: writer got %d in (%.1f%%), image takes %d on the host", size, written, 100*float64(written)/size, host)
	if written > size || host > size {
		t.Fatalf("writer got %d and the host holds %d, both must be at most %d", written, host, size)
	}
	if written < size*90/100 {
		t.Fatalf("writer got only %d of %d: too much lost to metadata", written, size)
	}
	used, free, err := Usage(mnt)
	if err != nil || free >= 1<<20 || used < written {
		t.Fatalf("Usage = %d used, %d free (%v) on a full volume holding %d", used, free, err, written)
	}
}

// TestVolumeSurvivesRemount: an existing image is mounted as it is (a
// node restart or host reboot keeps a finished task's outputs), and Remove
// leaves nothing.
func TestVolumeSurvivesRemount(t *testing.T) {
	v := needVolumes(t)
	ctx := context.Background()
	dir := t.TempDir()
	img, mnt := filepath.Join(dir, "out.img"), filepath.Join(dir, "out")
	if err := v.Mount(ctx, img, mnt, 100); err != nil { // rounded up to MinSize
		t.Fatal(err)
	}
	if fi, err := os.Stat(img); err != nil || fi.Size() != MinSize {
		t.Fatalf("image %v (%v), want %d bytes", fi, err, MinSize)
	}
	if err := os.WriteFile(filepath.Join(mnt, "result"), []byte("42"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := v.Mount(ctx, img, mnt, 0); err != nil { // already mounted: nothing
		t.Fatal(err)
	}
	if err := v.run(ctx, "umount", mnt); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(mnt, "result")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("result visible with the volume unmounted: %v", err)
	}
	if err := v.Mount(ctx, img, mnt, 0); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "result")); err != nil || string(b) != "42" {
		t.Fatalf("after remount: %q, %v", b, err)
	}
	if err := v.Remove(ctx, img, mnt); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{img, mnt} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s left after Remove: %v", p, err)
		}
	}
	if err := v.Remove(ctx, img, mnt); err != nil {
		t.Fatalf("Remove of nothing: %v", err)
	}
}
