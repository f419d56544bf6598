//go:build !linux

package docker

import (
	"context"
	"errors"
	"net"
)

// dialInNetns fails: entering a network namespace is Linux only.
func dialInNetns(ctx context.Context, nsPath, addr string) (net.Conn, error) {
	return nil, errors.New("forwarding to a task's port needs linux")
}
