package data

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// SplitLines keeps, of the file at path, lines index, index+count,
// index+2*count, … (the first line is line 0), each with its newline, and
// drops the others: task index's share of a file split by lines among
// count tasks. The file is rewritten in place through a temporary file.
func SplitLines(path string, index, count int) error {
	if count < 1 || index < 0 || index >= count {
		return fmt.Errorf("split: task %d of %d", index, count)
	}
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	if st, err := in.Stat(); err != nil {
		return err
	} else if !st.Mode().IsRegular() {
		return errors.New(`split "lines" needs a file, and this input is not one`)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".split-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	r, w := bufio.NewReaderSize(in, 64<<10), bufio.NewWriterSize(tmp, 64<<10)
	for line := 0; ; line++ {
		chunk, err := r.ReadSlice('\n')
		keep := line%count == index
		for errors.Is(err, bufio.ErrBufferFull) { // a line longer than the buffer
			if keep {
				if _, werr := w.Write(chunk); werr != nil {
					tmp.Close()
					return werr
				}
			}
			chunk, err = r.ReadSlice('\n')
		}
		if keep {
			if _, werr := w.Write(chunk); werr != nil {
				tmp.Close()
				return werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			tmp.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// SplitFiles keeps, of the files under dir in the byte order of their
// slash-separated paths, files index, index+count, … and removes the
// others (directories stay): task index's share of a directory split by
// files among count tasks.
func SplitFiles(dir string, index, count int) error {
	if count < 1 || index < 0 || index >= count {
		return fmt.Errorf("split: task %d of %d", index, count)
	}
	if st, err := os.Lstat(dir); err != nil {
		return err
	} else if !st.IsDir() {
		return errors.New(`split "files" needs a directory, and this input is not one`)
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.Sort(files)
	for i, f := range files {
		if i%count != index {
			if err := os.Remove(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
				return err
			}
		}
	}
	return nil
}
