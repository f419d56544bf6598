// Package volume makes directories whose size the kernel enforces: a
// sparse image file holding an ext4 file system, loop-mounted on the
// directory. A task writing into such a directory at any speed gets
// "no space left on device" at its size, and the host's disk holds no more
// than the image's blocks. It needs root, loop devices, mkfs.ext4
// (e2fsprogs) and mount (util-linux); Probe says whether a host has them.
package volume

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// MinSize is the smallest volume Mount makes: mkfs.ext4 needs about this
// much for its own structures. Smaller sizes are rounded up to it.
const MinSize = 1 << 20

// blockSize is the file system's block size; sizes are rounded up to it.
const blockSize = 4096

// commandTimeout bounds each mkfs, mount and umount.
const commandTimeout = time.Minute

// Volumes makes, mounts and removes size-limited volumes. The zero value
// is not usable; call New.
type Volumes struct {
	log *slog.Logger
}

// New returns Volumes logging to log (nil discards).
func New(log *slog.Logger) *Volumes {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Volumes{log: log}
}

// Probe reports whether volumes work on this host by making, mounting,
// filling and removing a small one under scratch (created if needed). A
// nil error means Mount will hold directories to their size.
func (v *Volumes) Probe(ctx context.Context, scratch string) error {
	if os.Geteuid() != 0 {
		return errors.New("loop mounts need root")
	}
	for _, tool := range []string{"mkfs.ext4", "mount", "umount"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found (install e2fsprogs and mount)", tool)
		}
	}
	if err := os.MkdirAll(scratch, 0o700); err != nil {
		return err
	}
	dir, err := os.MkdirTemp(scratch, "probe-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	img, mnt := filepath.Join(dir, "probe.img"), filepath.Join(dir, "mnt")
	if err := v.Mount(ctx, img, mnt, MinSize); err != nil {
		return err
	}
	defer v.Remove(context.WithoutCancel(ctx), img, mnt)
	err = os.WriteFile(filepath.Join(mnt, "fill"), make([]byte, 2*MinSize), 0o600)
	if !errors.Is(err, unix.ENOSPC) {
		return fmt.Errorf("a %d-byte volume took %d bytes without ENOSPC (%v)", MinSize, 2*MinSize, err)
	}
	return nil
}

// Mount makes dir a file system of size bytes (rounded up to whole blocks
// and at least MinSize) stored in the file img. If img does not exist it
// is created sparse and formatted; if it exists (the node restarted, or
// the host rebooted) it is mounted as it is. If dir is already a mount
// point, Mount does nothing. dir is created if needed.
func (v *Volumes) Mount(ctx context.Context, img, dir string, size int64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if ok, err := MountPoint(dir); err != nil || ok {
		return err
	}
	fresh := false
	if _, err := os.Stat(img); errors.Is(err, fs.ErrNotExist) {
		if err := create(img, size); err != nil {
			return err
		}
		// No journal (outputs are rebuilt by a rerun, not repaired), no
		// blocks reserved for root or for growth, an inode per 16 KiB: the
		// task gets about 94% of 32 MiB and 97% of 1 GiB for its files.
		// nodiscard: the image is sparse already, and discarding it took
		// mkfs 200 ms of its 240 for 1 GiB.
		if err := v.run(ctx, "mkfs.ext4", "-q", "-F", "-m", "0", "-b", "4096", "-i", "16384",
			"-O", "^has_journal,^resize_inode", "-E", "root_owner=0:0,nodiscard", img); err != nil {
			_ = os.Remove(img)
			return err
		}
		fresh = true
	} else if err != nil {
		return err
	}
	if err := v.run(ctx, "mount", "-t", "ext4", "-o", "loop,nosuid,nodev", img, dir); err != nil {
		return err
	}
	if fresh {
		// mkfs's lost+found would show up in the task's outputs.
		_ = os.Remove(filepath.Join(dir, "lost+found"))
		if err := os.Chmod(dir, 0o755); err != nil {
			return err
		}
	}
	v.log.Debug("volume mounted", "dir", dir, "size", size)
	return nil
}

// create makes img a sparse file of size bytes, rounded as Mount says.
func create(img string, size int64) error {
	size = max(size, MinSize)
	size = (size + blockSize - 1) / blockSize * blockSize
	f, err := os.OpenFile(img, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		_ = os.Remove(img)
		return err
	}
	return f.Close()
}

// Unmount unmounts dir if it is a mount point, lazily: a reader still
// holding files keeps the file system until it closes them. The image
// stays; Mount mounts it again.
func (v *Volumes) Unmount(ctx context.Context, dir string) error {
	ok, err := MountPoint(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if !ok {
		return nil
	}
	return v.run(ctx, "umount", "-l", dir)
}

// UnmountUnder unmounts every volume mounted on a directory under root
// (lazily, as Unmount), keeping their images: what a daemon that did not
// stop cleanly, or whose sandboxes outlived it, leaves behind.
func (v *Volumes) UnmountUnder(ctx context.Context, root string) error {
	var errs []error
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() || path == root {
			return nil
		}
		if ok, err := MountPoint(path); err != nil || !ok {
			return nil
		}
		errs = append(errs, v.Unmount(ctx, path))
		return filepath.SkipDir
	})
	return errors.Join(append(errs, err)...)
}

// Remove unmounts dir (see Unmount), then deletes img and dir with what
// dir still holds. Missing pieces are not an error.
func (v *Volumes) Remove(ctx context.Context, img, dir string) error {
	if err := v.Unmount(ctx, dir); err != nil {
		return err
	}
	if err := os.Remove(img); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.RemoveAll(dir)
}

// MountPoint reports whether dir is the root of a mounted file system
// (its device differs from its parent's).
func MountPoint(dir string) (bool, error) {
	var st, parent unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return false, &fs.PathError{Op: "stat", Path: dir, Err: err}
	}
	if err := unix.Lstat(filepath.Dir(filepath.Clean(dir)), &parent); err != nil {
		return false, &fs.PathError{Op: "stat", Path: filepath.Dir(dir), Err: err}
	}
	return st.Dev != parent.Dev || st.Ino == parent.Ino, nil
}

// Usage is how much of a mounted volume is used, in bytes, and how much a
// writer may still add: ext4 keeps 2% of the blocks (at most 4096) back
// for its own metadata, which statfs counts as available.
func Usage(dir string) (used, free int64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, 0, &fs.PathError{Op: "statfs", Path: dir, Err: err}
	}
	bs := int64(st.Bsize)
	reserved := min(int64(st.Blocks)/50, 4096)
	return (int64(st.Blocks) - int64(st.Bfree)) * bs, max(int64(st.Bavail)-reserved, 0) * bs, nil
}

// run runs one of the tools, with its output in the error.
func (v *Volumes) run(ctx context.Context, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(out.String()))
	}
	return nil
}
