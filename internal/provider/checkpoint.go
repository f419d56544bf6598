package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/deco-network/deco/internal/data"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
)

// checkpointDir is the directory of a task's outputs that a restarted
// linked job carries to its next attempt.
const checkpointDir = "checkpoint"

// carryCheckpoint puts the checkpoint/ directory of the earlier execution
// req.Checkpoint names into this execution's outputs, before the task
// starts. It is fetched as a result input is (from the provider that holds
// it, on the requester's grant, checked against its digest) into the
// outputs themselves, so that it counts against room, what the task's disk
// request leaves after its inputs, and then moved into place.
func (p *Provider) carryCheckpoint(ctx context.Context, req *market.TaskRequest, room int64, out *sender) error {
	c := req.Checkpoint
	if c.Grant.Input != market.CheckpointInput {
		return fmt.Errorf("carry the checkpoint: the grant is for input %q", c.Grant.Input)
	}
	if room <= 0 {
		return fmt.Errorf("carry the checkpoint: the inputs fill the disk request (%s)", req.Spec.Resources.Disk)
	}
	outputs := p.outputsDir(req.ExecutionID)
	tmp := filepath.Join(outputs, ".deco-checkpoint")
	defer os.RemoveAll(tmp)
	out.send(market.TaskEvent{Type: market.EventState, State: job.StatePreparing,
		Message: fmt.Sprintf("fetching the checkpoint of execution %s from %s", c.Grant.Execution, c.Provider)})
	if err := p.fetchResult(ctx, &job.ResultInput{Provider: c.Provider, Digest: c.Digest}, c.Grant, tmp, room); err != nil {
		return fmt.Errorf("carry the checkpoint: %w", err)
	}
	src := filepath.Join(tmp, checkpointDir)
	info, err := os.Lstat(src)
	if err != nil || !info.IsDir() {
		return errors.New("carry the checkpoint: the earlier outputs hold no checkpoint/ directory")
	}
	size, err := data.TreeSize(src)
	if err != nil {
		return fmt.Errorf("carry the checkpoint: %w", err)
	}
	if size > room {
		return fmt.Errorf("carry the checkpoint: it holds %s, more than the disk request leaves (%s)", job.ByteSize(size), job.ByteSize(room))
	}
	if err := os.Rename(src, filepath.Join(outputs, checkpointDir)); err != nil {
		p.log.Error("place the checkpoint", "execution", req.ExecutionID, "err", err)
		return errors.New("carry the checkpoint: provider storage error")
	}
	out.send(market.TaskEvent{Type: market.EventState, State: job.StatePreparing,
		Message: fmt.Sprintf("starting from the checkpoint of execution %s (%s)", c.Grant.Execution, job.ByteSize(size))})
	return nil
}
