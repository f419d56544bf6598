package jobnet

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// linkRoleEnv makes the test binary a node of BenchmarkShapedLink (see
// linkNodeMain) instead of running tests.
const linkRoleEnv = "DECO_JOBNET_LINK_NODE"

func TestMain(m *testing.M) {
	if os.Getenv(linkRoleEnv) != "" {
		os.Exit(linkNodeMain(os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// The shaped link: a veth pair between the two nodes' namespaces, with
// addresses that exist only there.
const (
	linkDevA, linkDevB = "deco-la", "deco-lb"
	linkVolume         = 64 << 20 // sent per iteration
	shapedProto        = "/deco/jobnet-bench/1"
)

var linkAddrA, linkAddrB = netip.MustParsePrefix("10.201.0.1/30"), netip.MustParsePrefix("10.201.0.2/30")

// BenchmarkShapedLink measures a raw libp2p stream and TCP over the job
// network between the SAME two nodes, side by side, over a link rather than
// shared loopback: each node is a process of its own (this binary, run
// again) in a network namespace of its own that this benchmark creates,
// joined by a veth pair whose two ends are shaped by a tbf qdisc at 1 and
// at 2.5 Gbit/s, and unshaped (the veth's own speed: both processes share
// the machine's CPUs). The job network's tasks are in two more namespaces,
// one inside each node's. The link's addresses (10.201.0.0/30) exist only
// inside the two namespaces; the host has no route to them. cpu-s/GB is
// both processes' CPU time per GB sent.
func BenchmarkShapedLink(b *testing.B) {
	requireRoot(b)
	f := newLinkFixture(b)
	for _, rate := range []struct {
		name string
		bits uint64 // 0: unshaped
	}{{"1Gbit", 1e9}, {"2.5Gbit", 2.5e9}, {"unshaped", 0}} {
		f.shape(b, rate.bits)
		for _, path := range []string{"raw", "jobnet"} {
			b.Run(rate.name+"/"+path, func(b *testing.B) {
				b.SetBytes(linkVolume)
				cpu := f.cpu(b)
				for b.Loop() {
					if path == "raw" {
						f.a.ask(b, "raw", f.idB, strconv.Itoa(linkVolume))
					} else {
						f.a.ask(b, "jobnet", f.taskB, strconv.Itoa(linkVolume))
					}
				}
				b.StopTimer()
				gb := float64(b.N) * linkVolume / 1e9
				b.ReportMetric((f.cpu(b)-cpu).Seconds()/gb, "cpu-s/GB")
			})
		}
	}
}

// linkFixture is the two node processes and the link between them.
type linkFixture struct {
	a, b       *linkNode
	idB, taskB string
}

func newLinkFixture(b *testing.B) *linkFixture {
	f := &linkFixture{a: startLinkNode(b, "a"), b: startLinkNode(b, "b")}
	nsA, nsB := f.a.netns(b), f.b.netns(b)
	hA, err := netlink.NewHandleAt(nsA)
	if err != nil {
		b.Fatal(err)
	}
	defer hA.Close()
	hB, err := netlink.NewHandleAt(nsB)
	if err != nil {
		b.Fatal(err)
	}
	defer hB.Close()
	// The pair is created inside A's namespace with its peer in B's: no
	// end of it is ever in the host's.
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: linkDevA}, PeerName: linkDevB, PeerNamespace: netlink.NsFd(int(nsB))}
	if err := hA.LinkAdd(veth); err != nil {
		b.Fatalf("create the veth pair: %v", err)
	}
	for _, end := range []struct {
		h    *netlink.Handle
		dev  string
		addr netip.Prefix
	}{{hA, linkDevA, linkAddrA}, {hB, linkDevB, linkAddrB}} {
		l, err := end.h.LinkByName(end.dev)
		if err != nil {
			b.Fatal(err)
		}
		ip := &netlink.Addr{IPNet: &net.IPNet{IP: end.addr.Addr().AsSlice(), Mask: net.CIDRMask(end.addr.Bits(), 32)}}
		if err := end.h.AddrAdd(l, ip); err != nil {
			b.Fatal(err)
		}
		if err := end.h.LinkSetUp(l); err != nil {
			b.Fatal(err)
		}
	}

	hostA := f.a.ask(b, "listen", linkAddrA.Addr().String())
	hostB := f.b.ask(b, "listen", linkAddrB.Addr().String())
	f.idB = hostB[0]
	f.a.ask(b, "connect", hostB[0], hostB[1])
	// Both join at once: each waits in Ready for the other.
	f.a.tell(b, "join", "0", hostA[0], hostB[0])
	f.b.tell(b, "join", "1", hostA[0], hostB[0])
	f.a.answer(b)
	f.taskB = f.b.answer(b)[0]
	return f
}

// shape puts a tbf qdisc of bits per second on both ends of the link, or
// none for 0.
func (f *linkFixture) shape(b *testing.B, bits uint64) {
	for _, n := range []*linkNode{f.a, f.b} {
		h, err := netlink.NewHandleAt(n.netns(b))
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		l, err := h.LinkByName(n.dev)
		if err != nil {
			b.Fatal(err)
		}
		root := netlink.QdiscAttrs{LinkIndex: l.Attrs().Index, Handle: netlink.MakeHandle(1, 0), Parent: netlink.HANDLE_ROOT}
		if bits == 0 {
			h.QdiscDel(&netlink.Tbf{QdiscAttrs: root}) // none there is fine
			continue
		}
		rate := bits / 8 // bytes per second
		// A burst of 4 ms at the rate (at least 64 KiB: a GSO packet) and
		// a queue of 20 ms more, as `tc qdisc ... tbf rate R burst B
		// latency 20ms` would set.
		burst := uint32(max(rate/250, 64<<10))
		q := &netlink.Tbf{QdiscAttrs: root, Rate: rate, Buffer: netlink.Xmittime(rate, burst), Limit: uint32(rate/50) + burst}
		if err := h.QdiscReplace(q); err != nil {
			b.Fatalf("tbf at %d bit/s on %s: %v", bits, n.dev, err)
		}
	}
}

// cpu is both nodes' CPU time so far.
func (f *linkFixture) cpu(b *testing.B) time.Duration {
	var total time.Duration
	for _, n := range []*linkNode{f.a, f.b} {
		ns, err := strconv.ParseInt(n.ask(b, "cpu")[0], 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		total += time.Duration(ns)
	}
	return total
}

// linkNode is one node process, driven by lines on its standard input;
// each command is answered by one line ("ok ..." or "err ...").
type linkNode struct {
	name string
	dev  string
	cmd  *exec.Cmd
	in   io.Writer
	out  *bufio.Scanner
	logs *bytes.Buffer
}

// startLinkNode starts this binary again as a node in a new network
// namespace (CLONE_NEWNET: every thread of it is there from the start).
func startLinkNode(b *testing.B, name string) *linkNode {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	n := &linkNode{name: name, dev: map[string]string{"a": linkDevA, "b": linkDevB}[name], logs: &bytes.Buffer{}}
	n.cmd = exec.Command(exe, "-test.run=^$")
	n.cmd.Env = append(os.Environ(), linkRoleEnv+"="+name)
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
	n.cmd.Stderr = n.logs
	if n.in, err = n.cmd.StdinPipe(); err != nil {
		b.Fatal(err)
	}
	out, err := n.cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	n.out = bufio.NewScanner(out)
	if err := n.cmd.Start(); err != nil {
		b.Fatalf("start node %s: %v", name, err)
	}
	b.Cleanup(func() {
		n.cmd.Process.Kill()
		n.cmd.Wait()
	})
	return n
}

// netns is a handle on the node's network namespace, closed with b.
func (n *linkNode) netns(b *testing.B) netns.NsHandle {
	h, err := netns.GetFromPid(n.cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close() })
	return h
}

func (n *linkNode) tell(b *testing.B, cmd ...string) {
	if _, err := fmt.Fprintln(n.in, strings.Join(cmd, " ")); err != nil {
		b.Fatalf("node %s: %v\n%s", n.name, err, n.logs)
	}
}

func (n *linkNode) answer(b *testing.B) []string {
	if !n.out.Scan() {
		b.Fatalf("node %s ended: %v\n%s", n.name, n.out.Err(), n.logs)
	}
	f := strings.Fields(n.out.Text())
	if len(f) == 0 || f[0] != "ok" {
		b.Fatalf("node %s: %s\n%s", n.name, n.out.Text(), n.logs)
	}
	return f[1:]
}

func (n *linkNode) ask(b *testing.B, cmd ...string) []string {
	n.tell(b, cmd...)
	return n.answer(b)
}

// linkNodeMain is a node of BenchmarkShapedLink: a libp2p host and a job
// network service, in the network namespace it was started in, doing what
// the lines on in say:
//
//	listen IP               start the host on IP; answers its ID and address
//	connect ID ADDR         connect to the other node
//	join TASK ID0 ID1       join task TASK of the two-task job and wait for
//	                        the other; answers the task's address (task 1
//	                        also serves sink on port 7001 there)
//	raw ID N                send N bytes on a stream to ID
//	jobnet ADDR N           send N bytes over TCP to ADDR from the task
//	cpu                     answers the process's CPU time in ns
func linkNodeMain(in io.Reader, out io.Writer) int {
	var (
		h    host.Host
		svc  *Service
		task testNS
	)
	ctx := context.Background()
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		answer, err := func() (string, error) {
			switch {
			case f[0] == "listen" && len(f) == 2:
				var err error
				if h, err = libp2p.New(libp2p.ListenAddrStrings("/ip4/" + f[1] + "/tcp/0")); err != nil {
					return "", err
				}
				h.SetStreamHandler(shapedProto, func(st network.Stream) {
					defer st.Close()
					sink(st)
				})
				svc = New(Config{Host: h})
				return h.ID().String() + " " + h.Addrs()[0].String(), nil
			case f[0] == "connect" && len(f) == 3:
				id, err := peer.Decode(f[1])
				if err != nil {
					return "", err
				}
				addr, err := ma.NewMultiaddr(f[2])
				if err != nil {
					return "", err
				}
				return "", h.Connect(ctx, peer.AddrInfo{ID: id, Addrs: []ma.Multiaddr{addr}})
			case f[0] == "join" && len(f) == 4:
				idx, err := strconv.Atoi(f[1])
				if err != nil {
					return "", err
				}
				var members []peer.ID
				for _, s := range f[2:] {
					id, err := peer.Decode(s)
					if err != nil {
						return "", err
					}
					members = append(members, id)
				}
				if task, err = makeNS(); err != nil {
					return "", err
				}
				l, err := svc.Join(ctx, "shaped", idx, members, task.path)
				if err != nil {
					return "", err
				}
				rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				if err := l.Ready(rctx); err != nil {
					return "", err
				}
				addr := netip.AddrPortFrom(l.Addr(), 7001).String()
				if idx == 1 {
					if _, err := serveIn(task, addr, func(c net.Conn) { sink(c) }); err != nil {
						return "", err
					}
				}
				return addr, nil
			case f[0] == "raw" && len(f) == 3:
				id, err := peer.Decode(f[1])
				if err != nil {
					return "", err
				}
				n, err := strconv.Atoi(f[2])
				if err != nil {
					return "", err
				}
				st, err := h.NewStream(ctx, id, shapedProto)
				if err != nil {
					return "", err
				}
				defer st.Close()
				return "", sendVolume(st, st.CloseWrite, n)
			case f[0] == "jobnet" && len(f) == 3:
				n, err := strconv.Atoi(f[2])
				if err != nil {
					return "", err
				}
				c, err := dialIn(task, f[1])
				if err != nil {
					return "", err
				}
				defer c.Close()
				return "", sendVolume(c, c.(*net.TCPConn).CloseWrite, n)
			case f[0] == "cpu":
				var ru syscall.Rusage
				if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
					return "", err
				}
				return strconv.FormatInt(ru.Utime.Nano()+ru.Stime.Nano(), 10), nil
			}
			return "", fmt.Errorf("unknown command %q", sc.Text())
		}()
		if err != nil {
			fmt.Fprintf(out, "err %v\n", err)
			continue
		}
		fmt.Fprintf(out, "ok %s\n", answer)
	}
	return 0
}
