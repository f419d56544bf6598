package wasm

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"syscall"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"
)

// confinedFS is a host directory mounted into a guest that the guest
// cannot leave. wazero's own directory mounts follow symbolic links
// wherever they point (its WASI layer is not a sandbox: wazero issue
// 2321), so a guest that made "/outputs/l -> ../../../../etc", or an input
// that came with such a link, read and wrote the provider's own files.
// Here every path is first resolved with os.Root, which follows links
// only while they stay inside the directory, and a path that would leave
// it answers EPERM; a new link whose target climbs out is refused when it
// is made. The checks come before wazero's operation on the same path:
// sound because the guest is the only one changing the directory (inputs
// are read-only and made before it starts; /outputs is its own) and a
// guest's host calls run one at a time.
type confinedFS struct {
	experimentalsys.FS // the directory, as wazero mounts it
	root               *os.Root
}

// confine mounts dir for a guest; close the returned os.Root when the
// guest has ended.
func confine(dir string, readOnly bool) (experimentalsys.FS, *os.Root, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, err
	}
	var inner experimentalsys.FS = sysfs.DirFS(dir)
	if readOnly {
		inner = &sysfs.ReadFS{FS: inner}
	}
	return &confinedFS{FS: inner, root: root}, root, nil
}

// follow checks a path whose last link the operation follows.
func (c *confinedFS) follow(p string) experimentalsys.Errno {
	_, err := c.root.Stat(p)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, fs.ErrNotExist):
		// Not there (or a link to something not there, inside): what
		// creates it creates it in its parent, which must be inside.
		return c.parent(p)
	default:
		return errnoOf(err)
	}
}

// parent checks a path whose last element the operation does not follow
// (Lstat, unlink, rename, mkdir): the directories above it must be inside.
func (c *confinedFS) parent(p string) experimentalsys.Errno {
	dir := path.Dir(p)
	if dir == "." || dir == "/" {
		return 0
	}
	_, err := c.root.Stat(dir)
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return 0 // a missing parent: the operation itself answers ENOENT
	}
	return errnoOf(err)
}

// errnoOf maps an os.Root error to the guest's: a path that escapes the
// directory is not permitted.
func errnoOf(err error) experimentalsys.Errno {
	for _, e := range []syscall.Errno{syscall.ENOTDIR, syscall.ELOOP, syscall.EACCES, syscall.ENAMETOOLONG} {
		if errors.Is(err, e) {
			return experimentalsys.UnwrapOSError(err)
		}
	}
	return experimentalsys.EPERM
}

func (c *confinedFS) OpenFile(p string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	check := c.follow
	if flag&experimentalsys.O_NOFOLLOW != 0 {
		check = c.parent
	}
	if errno := check(p); errno != 0 {
		return nil, errno
	}
	return c.FS.OpenFile(p, flag, perm)
}

func (c *confinedFS) Lstat(p string) (sys.Stat_t, experimentalsys.Errno) {
	if errno := c.parent(p); errno != 0 {
		return sys.Stat_t{}, errno
	}
	return c.FS.Lstat(p)
}

func (c *confinedFS) Stat(p string) (sys.Stat_t, experimentalsys.Errno) {
	if errno := c.follow(p); errno != 0 {
		return sys.Stat_t{}, errno
	}
	return c.FS.Stat(p)
}

func (c *confinedFS) Mkdir(p string, perm fs.FileMode) experimentalsys.Errno {
	if errno := c.parent(p); errno != 0 {
		return errno
	}
	return c.FS.Mkdir(p, perm)
}

func (c *confinedFS) Chmod(p string, perm fs.FileMode) experimentalsys.Errno {
	if errno := c.follow(p); errno != 0 {
		return errno
	}
	return c.FS.Chmod(p, perm)
}

func (c *confinedFS) Rename(from, to string) experimentalsys.Errno {
	if errno := c.parent(from); errno != 0 {
		return errno
	}
	if errno := c.parent(to); errno != 0 {
		return errno
	}
	return c.FS.Rename(from, to)
}

func (c *confinedFS) Rmdir(p string) experimentalsys.Errno {
	if errno := c.parent(p); errno != 0 {
		return errno
	}
	return c.FS.Rmdir(p)
}

func (c *confinedFS) Unlink(p string) experimentalsys.Errno {
	if errno := c.parent(p); errno != 0 {
		return errno
	}
	return c.FS.Unlink(p)
}

func (c *confinedFS) Link(oldPath, newPath string) experimentalsys.Errno {
	if errno := c.follow(oldPath); errno != 0 {
		return errno
	}
	if errno := c.parent(newPath); errno != 0 {
		return errno
	}
	return c.FS.Link(oldPath, newPath)
}

// Symlink refuses a link whose target is absolute or climbs out of the
// directory from where the link is: it could only be used to leave.
func (c *confinedFS) Symlink(target, link string) experimentalsys.Errno {
	if path.IsAbs(target) {
		return experimentalsys.EPERM
	}
	if t := path.Join(path.Dir(link), target); t == ".." || len(t) > 2 && t[:3] == "../" {
		return experimentalsys.EPERM
	}
	if errno := c.parent(link); errno != 0 {
		return errno
	}
	return c.FS.Symlink(target, link)
}

func (c *confinedFS) Readlink(p string) (string, experimentalsys.Errno) {
	if errno := c.parent(p); errno != 0 {
		return "", errno
	}
	return c.FS.Readlink(p)
}

func (c *confinedFS) Utimens(p string, atim, mtim int64) experimentalsys.Errno {
	if errno := c.follow(p); errno != 0 {
		return errno
	}
	return c.FS.Utimens(p, atim, mtim)
}
