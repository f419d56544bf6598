package requester

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/store"
)

// checkpointDir is the directory of a task's outputs that a linked job
// carries from one gang attempt to the next.
const checkpointDir = "checkpoint"

// checkpointSource is an ended execution whose outputs hold a
// checkpoint/ directory: task's, on provider, with the outputs' digest.
type checkpointSource struct {
	task      int
	provider  string
	execution string
	digest    string
}

// checkpointPlan picks, for each task of a linked gang whose attempt
// ended (ended, in task order), the checkpoint its next attempt starts
// from: its own when its outputs came back holding checkpoint/; none when
// they came back without one; task 0's when its own outputs did not come
// back (its provider was lost) and task 0's hold one. It returns the
// sources by task (nil: none) and says what it chose, task by task.
func (r *Requester) checkpointPlan(ended []store.Job) ([]*checkpointSource, string) {
	own := make([]*checkpointSource, len(ended))
	fetched := make([]bool, len(ended))
	for i := range ended {
		tk := &ended[i]
		if tk.State == job.StateLost || tk.ResultDigest == "" {
			continue // its outputs never came back
		}
		fetched[i] = true
		if info, err := os.Stat(filepath.Join(r.outputsDir(tk), checkpointDir)); err == nil && info.IsDir() {
			own[i] = &checkpointSource{task: tk.TaskIndex, provider: tk.Provider, execution: tk.ExecutionID, digest: tk.ResultDigest}
		}
	}
	carry := make([]*checkpointSource, len(ended))
	var said []string
	for i, tk := range ended {
		why := "its outputs did not come back"
		if tk.State == job.StateLost {
			why = "its outputs were lost with its provider"
		}
		switch {
		case own[i] != nil:
			carry[i] = own[i]
			said = append(said, fmt.Sprintf("task %d from its checkpoint", tk.TaskIndex))
		case fetched[i]:
			said = append(said, fmt.Sprintf("task %d without a checkpoint (it wrote no /outputs/checkpoint)", tk.TaskIndex))
		case len(own) > 0 && own[0] != nil:
			carry[i] = own[0]
			said = append(said, fmt.Sprintf("task %d from task 0's checkpoint (%s)", tk.TaskIndex, why))
		case tk.TaskIndex == 0:
			said = append(said, fmt.Sprintf("task 0 without a checkpoint (%s)", why))
		default:
			said = append(said, fmt.Sprintf("task %d without a checkpoint (%s, and task 0 left none)", tk.TaskIndex, why))
		}
	}
	return carry, strings.Join(said, ", ")
}

// checkpointFor is what provider pid is sent to start a task from src: a
// grant to fetch src's outputs from the provider that holds them.
func (r *Requester) checkpointFor(src *checkpointSource, pid peer.ID) (*market.Checkpoint, error) {
	if r.cfg.Key == nil {
		return nil, fmt.Errorf("checkpoint: this requester has no key to sign its grant")
	}
	g, err := market.SignResultGrant(r.cfg.Key, market.CheckpointInput, src.execution, pid.String())
	if err != nil {
		return nil, fmt.Errorf("checkpoint: sign grant: %w", err)
	}
	g.Addrs = r.holderAddrs(src.provider)
	return &market.Checkpoint{Provider: src.provider, Digest: src.digest, Grant: g}, nil
}
