//go:build !linux

package nsenter

import "errors"

// Do fails: network namespaces are Linux only.
func Do(path string, fn func() error) error {
	return errors.New("network namespaces need linux")
}
