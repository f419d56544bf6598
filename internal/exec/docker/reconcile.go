package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Running lists the execution IDs of the containers deco created on this
// engine (of this node when Config.NodeID is set), in any state, sorted. It
// also arms the timeout of those still running, so that executions started
// before a daemon restart keep their deadlines.
func (e *Executor) Running(ctx context.Context) ([]string, error) {
	items, err := e.list(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(items))
	for _, c := range items {
		id := c.Labels[LabelExecution]
		ids = append(ids, id)
		if c.State == container.StateRunning || c.State == container.StatePaused {
			e.watch(id, labelDeadline(&container.Config{Labels: c.Labels}))
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// RemoveOrphans force-removes every deco container whose execution ID keep
// rejects and returns the IDs removed, sorted. It goes on past a failed
// removal and reports every failure.
func (e *Executor) RemoveOrphans(ctx context.Context, keep func(executionID string) bool) ([]string, error) {
	items, err := e.list(ctx)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, c := range items {
		id := c.Labels[LabelExecution]
		if keep(id) {
			continue
		}
		_, err := e.cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove orphan execution %s: %w", id, err))
			continue
		}
		e.forget(id)
		removed = append(removed, id)
		e.log.Info("orphan execution removed", "execution", id, "container", c.ID[:12])
	}
	slices.Sort(removed)
	return removed, errors.Join(errs...)
}

// list returns the containers labelled as deco executions (of this node
// when it has an ID).
func (e *Executor) list(ctx context.Context) ([]container.Summary, error) {
	f := make(client.Filters).Add("label", LabelExecution)
	if e.nodeID != "" {
		f.Add("label", LabelNode+"="+e.nodeID)
	}
	res, err := e.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list deco containers: %w", err)
	}
	return res.Items, nil
}
