package provider

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/deco-network/deco/internal/data"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/store"
)

// ErrDiskExceeded is the error of an execution stopped for writing more
// than its disk request.
var ErrDiskExceeded = errors.New("stopped: disk request exceeded")

// checkDisk stops a running execution whose outputs and inputs together
// have grown past the job's disk request. The sandbox's only writable
// places are /outputs (a directory here) and a size-capped /tmp, so this is
// what holds a task to the disk it was sold; without file-system quotas it
// is checked every Config.DiskCheck, so a task may overshoot by what it
// writes in that time.
func (p *Provider) checkDisk(ctx context.Context, rec store.Execution) {
	limit := int64(rec.Spec.Resources.Disk)
	if limit <= 0 {
		return
	}
	dir := p.execDir(rec.ID)
	outputs, _ := data.TreeSize(filepath.Join(dir, "outputs"))
	inputs, _ := data.TreeSize(filepath.Join(dir, "inputs"))
	used := outputs + inputs
	if used <= limit {
		return
	}
	p.log.Warn("execution wrote past its disk request; stopping it", "execution", rec.ID,
		"used", job.ByteSize(used), "disk", job.ByteSize(limit))
	p.stopFor(ctx, rec.ID, fmt.Errorf("%w: outputs and inputs hold %s, the job asked for %s",
		ErrDiskExceeded, job.ByteSize(used), job.ByteSize(limit)))
}
