package docker

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/moby/moby/client"

	"github.com/deco-network/deco/internal/exec"
)

// DialPort connects to TCP port on the loopback of a running execution's
// container, from inside its network namespace: the container needs no
// published port and no network of its own (exec.PortDialer).
func (e *Executor) DialPort(ctx context.Context, executionID string, port int) (net.Conn, error) {
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("port %d is out of range", port)
	}
	ins, err := e.cli.ContainerInspect(ctx, containerName(executionID), client.ContainerInspectOptions{})
	if err != nil {
		return nil, notFound(executionID, fmt.Errorf("inspect execution %s: %w", executionID, err))
	}
	c := ins.Container
	if c.Config == nil || c.Config.Labels[LabelExecution] != executionID || (e.opts.nodeID != "" && c.Config.Labels[LabelNode] != e.opts.nodeID) {
		return nil, fmt.Errorf("execution %s: %w", executionID, exec.ErrNotFound)
	}
	if c.State == nil || !c.State.Running || c.State.Pid == 0 {
		return nil, fmt.Errorf("execution %s is not running", executionID)
	}
	return dialInNetns(ctx, fmt.Sprintf("/proc/%d/ns/net", c.State.Pid), net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
}
