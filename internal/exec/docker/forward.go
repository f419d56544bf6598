package docker

import (
	"context"
	"fmt"
	"net"
	"strconv"
)

// DialPort connects to TCP port on the loopback of a running execution's
// container, from inside its network namespace: the container needs no
// published port and no network of its own (exec.PortDialer).
func (e *Executor) DialPort(ctx context.Context, executionID string, port int) (net.Conn, error) {
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("port %d is out of range", port)
	}
	c, err := e.own(ctx, executionID)
	if err != nil {
		return nil, err
	}
	if c.State == nil || !c.State.Running || c.State.Pid == 0 {
		return nil, fmt.Errorf("execution %s is not running", executionID)
	}
	return dialInNetns(ctx, fmt.Sprintf("/proc/%d/ns/net", c.State.Pid), net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
}
