//go:build !linux

package jobnet

import (
	"errors"
	"net/netip"
	"os"
)

// openTUN fails: TUN interfaces in network namespaces are Linux only.
func openTUN(nsPath string, addr netip.Prefix) (*os.File, error) {
	return nil, errors.New("job network needs linux")
}
