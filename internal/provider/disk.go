package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/deco-network/deco/internal/data"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/volume"
)

// How a provider holds running executions to their disk requests
// (Config.DiskQuota).
const (
	// DiskQuotaAuto uses DiskQuotaVolume where the host allows it and
	// DiskQuotaCheck elsewhere, saying so in the log at start.
	DiskQuotaAuto = "auto"
	// DiskQuotaVolume gives each execution's /outputs its own file system
	// of the disk request less its inputs (see internal/volume): the
	// kernel refuses writes past it at any speed. It needs root, loop
	// devices and mkfs.ext4; New fails without them.
	DiskQuotaVolume = "volume"
	// DiskQuotaCheck measures outputs and inputs every Config.DiskCheck
	// and stops an execution past its request: a fast writer overshoots by
	// what it writes in that time.
	DiskQuotaCheck = "check"
)

// ErrDiskExceeded is the error of an execution stopped for writing more
// than its disk request.
var ErrDiskExceeded = errors.New("stopped: disk request exceeded")

// setupDisk picks how disk requests are held, per Config.DiskQuota.
func (p *Provider) setupDisk(ctx context.Context) error {
	mode := p.cfg.DiskQuota
	switch mode {
	case "", DiskQuotaAuto, DiskQuotaVolume:
	case DiskQuotaCheck:
		p.log.Info("disk requests are checked every interval, not enforced by the kernel", "every", p.cfg.DiskCheck)
		return nil
	default:
		return fmt.Errorf("disk quota %q: want %s, %s or %s", mode, DiskQuotaAuto, DiskQuotaVolume, DiskQuotaCheck)
	}
	if err := p.vols.Probe(ctx, filepath.Join(p.cfg.DataDir, "executions")); err != nil {
		if mode == DiskQuotaVolume {
			return fmt.Errorf("disk quota volume: %w", err)
		}
		p.log.Warn("size-limited volumes unavailable: disk requests are checked every interval instead, "+
			"so a fast writer may overshoot by what it writes in that time", "every", p.cfg.DiskCheck, "reason", err)
		return nil
	}
	p.byVolume = true
	p.log.Info("disk requests are enforced by a size-limited volume per execution")
	return nil
}

// outputsDir and outputsImage are where an execution's outputs live on
// the host: a directory, and with volumes the file system image mounted
// on it.
func (p *Provider) outputsDir(id string) string   { return filepath.Join(p.execDir(id), "outputs") }
func (p *Provider) outputsImage(id string) string { return filepath.Join(p.execDir(id), "outputs.img") }

// makeOutputs creates the execution's outputs directory, holding at most
// size bytes when volumes are in use.
func (p *Provider) makeOutputs(ctx context.Context, id string, size int64) error {
	if !p.byVolume {
		return os.MkdirAll(p.outputsDir(id), 0o755)
	}
	return p.vols.Mount(ctx, p.outputsImage(id), p.outputsDir(id), size)
}

// openOutputs makes sure a finished execution's outputs are there to read:
// after the daemon stopped, or the host rebooted, its volume is no longer
// mounted.
func (p *Provider) openOutputs(ctx context.Context, id string) error {
	if _, err := os.Stat(p.outputsImage(id)); err != nil {
		return nil // no volume: a plain directory, or already collected
	}
	return p.vols.Mount(ctx, p.outputsImage(id), p.outputsDir(id), 0)
}

// removeOutputs deletes an execution's outputs, and their volume if they
// have one (whatever this run's DiskQuota).
func (p *Provider) removeOutputs(ctx context.Context, id string) error {
	return p.vols.Remove(ctx, p.outputsImage(id), p.outputsDir(id))
}

// outputsFull reports whether an execution's outputs are a volume with no
// room left, so that its failure can say why.
func (p *Provider) outputsFull(id string) bool {
	if ok, err := volume.MountPoint(p.outputsDir(id)); err != nil || !ok {
		return false
	}
	_, free, err := volume.Usage(p.outputsDir(id))
	return err == nil && free < 1<<20
}

// checkDisk stops a running execution whose outputs and inputs together
// have grown past the job's disk request. With volumes the kernel holds
// /outputs to its size and there is nothing to check; without, this is
// what holds a task to the disk it was sold, every Config.DiskCheck, so a
// task may overshoot by what it writes in that time.
func (p *Provider) checkDisk(ctx context.Context, rec store.Execution) {
	limit := int64(rec.Spec.Resources.Disk)
	if limit <= 0 {
		return
	}
	if ok, _ := volume.MountPoint(p.outputsDir(rec.ID)); ok {
		return
	}
	outputs, _ := data.TreeSize(p.outputsDir(rec.ID))
	inputs, _ := data.TreeSize(filepath.Join(p.execDir(rec.ID), "inputs"))
	used := outputs + inputs
	if used <= limit {
		return
	}
	p.log.Warn("execution wrote past its disk request; stopping it", "execution", rec.ID,
		"used", job.ByteSize(used), "disk", job.ByteSize(limit))
	p.stopFor(ctx, rec.ID, fmt.Errorf("%w: outputs and inputs hold %s, the job asked for %s",
		ErrDiskExceeded, job.ByteSize(used), job.ByteSize(limit)))
}

// DiskQuota is how this provider holds executions to their disk requests:
// DiskQuotaVolume or DiskQuotaCheck.
func (p *Provider) DiskQuota() string {
	if p.byVolume {
		return DiskQuotaVolume
	}
	return DiskQuotaCheck
}

// unmountIdle unmounts the outputs volumes of executions not running here
// (their images stay: openOutputs mounts one again to serve its result),
// so that a stopped daemon leaves no mounts behind but those of sandboxes
// that outlive it.
func (p *Provider) unmountIdle(ctx context.Context) {
	entries, err := os.ReadDir(filepath.Join(p.cfg.DataDir, "executions"))
	if err != nil {
		return
	}
	for _, e := range entries {
		id := e.Name()
		p.mu.Lock()
		_, running := p.running[id]
		p.mu.Unlock()
		if running {
			continue
		}
		if ok, _ := volume.MountPoint(p.outputsDir(id)); !ok {
			continue
		}
		if err := p.vols.Unmount(ctx, p.outputsDir(id)); err != nil {
			p.log.Warn("unmount outputs volume", "execution", id, "err", err)
		}
	}
}
