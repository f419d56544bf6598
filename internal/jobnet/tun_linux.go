package jobnet

import (
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"

	"github.com/deco-network/deco/internal/nsenter"
)

// openTUN creates Interface in the network namespace at nsPath with address
// addr, MTU and link up, and returns its file. The interface lives as long
// as the file is open. The work runs on a locked OS thread that enters the
// namespace, because the TUN ioctl creates the interface in the calling
// thread's namespace; the file stays usable from any namespace.
func openTUN(nsPath string, addr netip.Prefix) (f *os.File, err error) {
	err = nsenter.Do(nsPath, func() (err error) {
		f, err = createTUN(nsPath, addr)
		return err
	})
	return f, err
}

// createTUN is openTUN's work inside the namespace.
func createTUN(nsPath string, addr netip.Prefix) (*os.File, error) {
	tun := &netlink.Tuntap{
		LinkAttrs:  netlink.LinkAttrs{Name: Interface},
		Mode:       netlink.TUNTAP_MODE_TUN,
		Flags:      netlink.TUNTAP_NO_PI,
		Queues:     1,
		NonPersist: true,
	}
	if err := netlink.LinkAdd(tun); err != nil {
		return nil, fmt.Errorf("create %s in %s: %w", Interface, nsPath, err)
	}
	f := tun.Fds[0]
	ip := &netlink.Addr{IPNet: &net.IPNet{IP: addr.Addr().AsSlice(), Mask: net.CIDRMask(addr.Bits(), 32)}}
	for _, step := range []struct {
		what string
		do   func() error
	}{
		{"set mtu", func() error { return netlink.LinkSetMTU(tun, MTU) }},
		{"add address", func() error { return netlink.AddrAdd(tun, ip) }},
		{"set up", func() error { return netlink.LinkSetUp(tun) }},
	} {
		if err := step.do(); err != nil {
			f.Close()
			return nil, fmt.Errorf("%s of %s in %s: %w", step.what, Interface, nsPath, err)
		}
	}
	return f, nil
}
