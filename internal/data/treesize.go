package data

import (
	"errors"
	"io/fs"
	"path/filepath"
)

// TreeSize sums the sizes of the regular files under dir; directories,
// symbolic links and other entries count nothing. A dir that does not exist
// has size 0, and files that vanish during the walk are skipped, so it may
// run over a tree that a task is still writing. Other errors are returned.
func TreeSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		n += info.Size()
		return nil
	})
	return n, err
}
