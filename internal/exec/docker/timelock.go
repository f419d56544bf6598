package docker

import (
	"context"
	"fmt"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/deco-network/deco/internal/exec"
)

// ContainerIDs are the engine's full IDs of an execution's containers (one
// per execution), by which the provider's proof of time-lock tells the
// task's processes on a GPU from foreign ones (their cgroup paths name
// the ID). An unknown execution's error wraps exec.ErrNotFound.
func (e *Executor) ContainerIDs(ctx context.Context, executionID string) ([]string, error) {
	c, err := e.own(ctx, executionID)
	if err != nil {
		return nil, err
	}
	return []string{c.ID}, nil
}

// own inspects an execution's container, refusing one this executor (this
// node) did not create. An unknown execution's error wraps
// exec.ErrNotFound.
func (e *Executor) own(ctx context.Context, executionID string) (container.InspectResponse, error) {
	ins, err := e.cli.ContainerInspect(ctx, containerName(executionID), client.ContainerInspectOptions{})
	if err != nil {
		return container.InspectResponse{}, notFound(executionID, fmt.Errorf("inspect execution %s: %w", executionID, err))
	}
	c := ins.Container
	if c.Config == nil || c.Config.Labels[LabelExecution] != executionID || (e.opts.nodeID != "" && c.Config.Labels[LabelNode] != e.opts.nodeID) {
		return container.InspectResponse{}, fmt.Errorf("execution %s: %w", executionID, exec.ErrNotFound)
	}
	return c, nil
}
