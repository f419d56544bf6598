//go:build linux

package docker

import (
	"context"
	"fmt"
	"net"

	"github.com/deco-network/deco/internal/nsenter"
)

// dialInNetns dials addr from inside the network namespace at nsPath: the
// socket belongs to the namespace it was created in, whichever thread
// uses it later.
func dialInNetns(ctx context.Context, nsPath, addr string) (c net.Conn, err error) {
	err = nsenter.Do(nsPath, func() (err error) {
		var d net.Dialer
		c, err = d.DialContext(ctx, "tcp", addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("connect to %s in the sandbox: %w", addr, err)
	}
	return c, nil
}
