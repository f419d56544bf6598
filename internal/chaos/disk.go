package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// tmpfsSize is the size of a provider's data directory under DiskFull:
// room for the node's store and a few small task outputs.
const tmpfsSize = "128m"

func mountTmpfs(dir, size string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		return fmt.Errorf("mount a tmpfs on %s: %w: %s", dir, err, out)
	}
	return nil
}

// fillDisk writes a file into m's data directory until the file system
// is full, keeps it for down and removes it.
func (n *network) fillDisk(ctx context.Context, m *member, down time.Duration) {
	if !m.mounted {
		return
	}
	path := filepath.Join(m.dir, "chaos-fill")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		n.note("%s: open %s: %v", DiskFull, path, err)
		return
	}
	buf := make([]byte, 1<<20)
	for {
		if _, err = f.Write(buf); err != nil {
			break
		}
	}
	f.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		n.note("%s: filling %s stopped with %v, not ENOSPC", DiskFull, m.dir, err)
	}
	n.count(DiskFull)
	n.cfg.Logger.Info("disk full", "node", m.name)
	select {
	case <-time.After(down):
	case <-ctx.Done():
	}
	// Overlapping fills of one disk: the first to end frees it.
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		n.note("%s: free %s: %v", DiskFull, path, err)
	}
}
