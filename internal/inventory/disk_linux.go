package inventory

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"syscall"

	"github.com/deco-network/deco/internal/job"
)

// diskSpace returns the size of the filesystem holding path and the space an
// unprivileged process may still use there. A path that does not exist yet
// is measured at its nearest existing parent.
func diskSpace(path string) (total, free job.ByteSize, err error) {
	path, err = filepath.Abs(path)
	if err != nil {
		return 0, 0, err
	}
	for {
		var st syscall.Statfs_t
		err := syscall.Statfs(path, &st)
		if err == nil {
			bsize := int64(st.Bsize)
			return job.ByteSize(int64(st.Blocks) * bsize), job.ByteSize(int64(st.Bavail) * bsize), nil
		}
		parent := filepath.Dir(path)
		if !errors.Is(err, fs.ErrNotExist) || parent == path {
			return 0, 0, fmt.Errorf("statfs %s: %w", path, err)
		}
		path = parent
	}
}
