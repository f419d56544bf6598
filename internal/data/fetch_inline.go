package data

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// WriteInline writes files (slash-separated relative paths to contents)
// under dir, which is created. Paths are confined to dir: absolute paths,
// ".." and unclean paths are refused, and writes go through an os.Root.
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
		if name == "" || path.IsAbs(name) || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") || strings.ContainsRune(name, '\\') {
			return fmt.Errorf("inline file %q: path must be relative, clean and inside the input", name)
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
