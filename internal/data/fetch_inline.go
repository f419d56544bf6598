package data

import (
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/deco-network/deco/internal/job"
)

// WriteInline writes files (slash-separated relative paths to contents)
// under dir, which is created. Paths are confined to dir: a path
// job.CheckRelPath refuses (absolute, "..", unclean) is refused, and writes
// go through an os.Root.
func WriteInline(files map[string]string, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for name, content := range files {
		if err := job.CheckRelPath(name); err != nil {
			return fmt.Errorf("inline file: %w", err)
		}
		if parent := path.Dir(name); parent != "." {
			if err := root.MkdirAll(filepath.FromSlash(parent), 0o755); err != nil {
				return fmt.Errorf("inline file %q: %w", name, err)
			}
		}
		if err := root.WriteFile(filepath.FromSlash(name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("inline file %q: %w", name, err)
		}
	}
	return nil
}
