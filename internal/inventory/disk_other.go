//go:build !linux

package inventory

import (
	"errors"

	"github.com/deco-network/deco/internal/job"
)

// diskSpace is only implemented on Linux, the platform providers run on.
func diskSpace(string) (total, free job.ByteSize, err error) {
	return 0, 0, errors.New("disk detection is only supported on linux")
}
