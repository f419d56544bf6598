package jobnet

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// openTUN creates Interface in the network namespace at nsPath with address
// addr, MTU and link up, and returns its file. The interface lives as long
// as the file is open. The work runs on a locked OS thread that enters the
// namespace, because the TUN ioctl creates the interface in the calling
// thread's namespace; the file stays usable from any namespace.
func openTUN(nsPath string, addr netip.Prefix) (*os.File, error) {
	type result struct {
		f   *os.File
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		f, restored, err := openTUNInNS(nsPath, addr)
		if restored {
			runtime.UnlockOSThread()
		} // else the thread is stuck in the task's namespace and exits with the goroutine.
		ch <- result{f, err}
	}()
	r := <-ch
	return r.f, r.err
}

// openTUNInNS does openTUN's work on the locked thread. restored reports
// whether the thread is back in its original namespace.
func openTUNInNS(nsPath string, addr netip.Prefix) (f *os.File, restored bool, err error) {
	orig, err := netns.Get()
	if err != nil {
		return nil, true, fmt.Errorf("get current netns: %w", err)
	}
	defer orig.Close()
	target, err := netns.GetFromPath(nsPath)
	if err != nil {
		return nil, true, fmt.Errorf("open netns %s: %w", nsPath, err)
	}
	defer target.Close()
	if err := netns.Set(target); err != nil {
		return nil, true, fmt.Errorf("enter netns %s: %w", nsPath, err)
	}
	defer func() { restored = netns.Set(orig) == nil }()

	tun := &netlink.Tuntap{
		LinkAttrs:  netlink.LinkAttrs{Name: Interface},
		Mode:       netlink.TUNTAP_MODE_TUN,
		Flags:      netlink.TUNTAP_NO_PI,
		Queues:     1,
		NonPersist: true,
	}
	if err := netlink.LinkAdd(tun); err != nil {
		return nil, false, fmt.Errorf("create %s in %s: %w", Interface, nsPath, err)
	}
	f = tun.Fds[0]
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
			return nil, false, fmt.Errorf("%s of %s in %s: %w", step.what, Interface, nsPath, err)
		}
	}
	return f, false, nil
}
