//go:build !linux

package nsenter

import "errors"

// Do fails: network namespaces are Linux only.
func Do(path string, fn func() error) error {
	return errors.New("network namespaces need linux")
}

// Unavailable says why this process cannot enter another network
// namespace: network namespaces are Linux only.
func Unavailable() string { return "network namespaces need linux" }
