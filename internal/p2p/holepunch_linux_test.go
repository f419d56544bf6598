package p2p

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// punchRoleEnv makes the test binary one host of TestHolePunchThroughNAT
// (see punchNodeMain) instead of running tests; punchRelayEnv gives a
// home host its relay's addresses.
const (
	punchRoleEnv  = "DECO_P2P_PUNCH_ROLE"
	punchRelayEnv = "DECO_P2P_PUNCH_RELAY"
	punchProto    = protocol.ID("/deco/punch-echo/1")
	// dcutrProto is libp2p's hole punching protocol: a host serves it once
	// it knows a public address of its own to punch from.
	dcutrProto = protocol.ID("/libp2p/dcutr")
)

func TestMain(m *testing.M) {
	if role := os.Getenv(punchRoleEnv); role != "" {
		os.Exit(punchNodeMain(role, os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// The test's networks, all inside namespaces the test makes: no end of
// any link is in the host's namespace, so nothing here is routed on the
// host. The "internet" between the relay and the two NAT routers has to
// be a block libp2p counts as public (manet.IsPublicAddr), because hole
// punching only ever exchanges public addresses (10/8, 100.64/10, the
// TEST-NETs and 198.18/15 are all private or unroutable to it); the two
// homes behind the routers are private /24s of 10.202.0.0/16.
var punchNet = struct {
	relayA, routerA, relayB, routerB string // the internet side: relay and router WAN ends, per home
	gwA, homeA, gwB, homeB           string // the homes: router LAN end and the host's address
}{
	relayA: "11.202.1.1", routerA: "11.202.1.2", relayB: "11.202.2.1", routerB: "11.202.2.2",
	gwA: "10.202.1.1", homeA: "10.202.1.2", gwB: "10.202.2.1", homeB: "10.202.2.2",
}

// TestHolePunchThroughNAT builds, in network namespaces of its own, a
// relay on a public network and two homes each behind a NAT router of its
// own (iptables MASQUERADE, nothing let in that the home did not start),
// and runs a host built by New with the node's options (bootstrap and
// relay: the relay; default listen addresses; AutoNAT finds out by itself
// that the homes are not reachable) in each home, each a process of its
// own in its namespace. Home A opens a stream to
// home B: neither can dial the other, so the first connection is through
// the relay (a /p2p-circuit address); libp2p's DCUtR then punches through
// both NATs and the hosts end up with a direct connection between the two
// routers' public addresses, on which a new stream carries 1 MiB both
// ways. Needs root (namespaces, iptables); skipped without it unless
// DECO_REQUIRE_ROOT is set.
func TestHolePunchThroughNAT(t *testing.T) {
	if raceDetector {
		// DCUtR opens both ends at once, timed by a measured RTT: under
		// the race detector's slowdown it misses.
		t.Skip("timing-sensitive hole punching: make test runs it without the race detector")
	}
	ns := newPunchNamespaces(t)
	relay := startPunchNode(t, ns.pub, "relay", nil)
	relayInfo := relay.ask(t, "id")
	// The homes know the relay at its public addresses only.
	var relayAddrs []string
	for _, a := range relayInfo[1:] {
		if strings.HasPrefix(a, "/ip4/"+punchNet.relayA+"/") || strings.HasPrefix(a, "/ip4/"+punchNet.relayB+"/") {
			relayAddrs = append(relayAddrs, a)
		}
	}
	if len(relayAddrs) < 2 {
		t.Fatalf("the relay's addresses %v are not on the public network", relayInfo[1:])
	}
	a := startPunchNode(t, ns.homeA, "home", relayAddrs)
	b := startPunchNode(t, ns.homeB, "home", relayAddrs)
	// Each home holds a reservation on the relay (it can be reached
	// through it) and has learnt its router's public address from the
	// relay (it is ready to punch).
	idA := a.ask(t, "ready")[0]
	idB := b.ask(t, "ready")[0]
	t.Logf("home A %s behind %s, home B %s behind %s", idA, punchNet.routerA, idB, punchNet.routerB)

	// The NAT lets nothing in: from the public network, home B's TCP port
	// is closed at its router's address and its own is not routed; the
	// relay's own port answers (the probe can tell).
	portB := tcpPort(t, b.ask(t, "id")[1:], punchNet.homeB)
	for _, addr := range []string{punchNet.routerB + ":" + portB, punchNet.homeB + ":" + portB} {
		if got := relay.ask(t, "dial", addr)[0]; got != "refused" {
			t.Fatalf("the public network reached home B at %s: %s", addr, got)
		}
	}
	if got := relay.ask(t, "dial", punchNet.relayB+":"+tcpPort(t, relayInfo[1:], punchNet.relayB))[0]; got != "connected" {
		t.Fatalf("the relay's own port: %s", got)
	}

	got := a.ask(t, "punch", idB)
	first, direct, ok := got[0], got[1], got[2]
	t.Logf("first connection %s, then %s", first, direct)
	if !strings.Contains(first, "/p2p-circuit") || !strings.Contains(first, "/p2p/"+relayInfo[0]+"/") {
		t.Errorf("home A's first connection to home B is at %s, not through the relay", first)
	}
	if strings.Contains(direct, "/p2p-circuit") || !strings.HasPrefix(direct, "/ip4/"+punchNet.routerB+"/") {
		t.Errorf("the stream after hole punching ran on %s, not directly to home B's router %s", direct, punchNet.routerB)
	}
	if ok != "echoed" {
		t.Errorf("the stream on the direct connection: %s", ok)
	}
}

// tcpPort is the TCP port of the address on ip among addrs.
func tcpPort(t *testing.T, addrs []string, ip string) string {
	t.Helper()
	for _, a := range addrs {
		if rest, ok := strings.CutPrefix(a, "/ip4/"+ip+"/tcp/"); ok {
			return strings.SplitN(rest, "/", 2)[0]
		}
	}
	t.Fatalf("no TCP address on %s among %v", ip, addrs)
	return ""
}

// punchNamespaces are the test's five namespaces.
type punchNamespaces struct {
	pub, routerA, routerB, homeA, homeB string
}

// newPunchNamespaces makes the namespaces and their links, skipping (or,
// with DECO_REQUIRE_ROOT, failing) where they cannot be made; they are
// removed when the test ends.
func newPunchNamespaces(t *testing.T) punchNamespaces {
	t.Helper()
	cannot := func(why string, args ...any) {
		t.Helper()
		if os.Getenv("DECO_REQUIRE_ROOT") != "" {
			t.Fatalf("DECO_REQUIRE_ROOT is set: "+why, args...)
		}
		t.Skipf("hole punching through NAT needs network namespaces and iptables (root): "+why, args...)
	}
	if os.Geteuid() != 0 {
		cannot("not root")
	}
	for _, tool := range []string{"ip", "iptables"} {
		if _, err := exec.LookPath(tool); err != nil {
			cannot("%v", err)
		}
	}
	p := fmt.Sprintf("deco-punch-%d-", os.Getpid())
	ns := punchNamespaces{pub: p + "pub", routerA: p + "ra", routerB: p + "rb", homeA: p + "ha", homeB: p + "hb"}
	all := []string{ns.pub, ns.routerA, ns.routerB, ns.homeA, ns.homeB}
	for i, n := range all {
		if out, err := exec.Command("ip", "netns", "add", n).CombinedOutput(); err != nil {
			for _, made := range all[:i] {
				exec.Command("ip", "netns", "del", made).Run()
			}
			cannot("ip netns add %s: %v: %s", n, err, out)
		}
	}
	t.Cleanup(func() {
		for _, n := range all {
			if out, err := exec.Command("ip", "netns", "del", n).CombinedOutput(); err != nil {
				t.Errorf("ip netns del %s: %v: %s", n, err, out)
			}
		}
	})
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	in := func(n string, args ...string) { run(append([]string{"ip", "netns", "exec", n}, args...)...) }
	// Links are made inside a namespace with their peer in another: no
	// end is ever in the host's.
	link := func(nsA, devA, nsB, devB string) {
		run("ip", "-n", nsA, "link", "add", devA, "type", "veth", "peer", "name", devB, "netns", nsB)
	}
	addr := func(n, dev, cidr string) {
		run("ip", "-n", n, "addr", "add", cidr, "dev", dev)
		run("ip", "-n", n, "link", "set", dev, "up")
	}
	link(ns.pub, "to-a", ns.routerA, "wan")
	link(ns.pub, "to-b", ns.routerB, "wan")
	link(ns.routerA, "lan", ns.homeA, "eth0")
	link(ns.routerB, "lan", ns.homeB, "eth0")
	for _, n := range all {
		run("ip", "-n", n, "link", "set", "lo", "up")
	}
	addr(ns.pub, "to-a", punchNet.relayA+"/24")
	addr(ns.pub, "to-b", punchNet.relayB+"/24")
	in(ns.pub, "sysctl", "-qw", "net.ipv4.ip_forward=1") // the internet routes between the routers
	for _, r := range []struct{ router, home, wan, relay, gw, host string }{
		{ns.routerA, ns.homeA, punchNet.routerA, punchNet.relayA, punchNet.gwA, punchNet.homeA},
		{ns.routerB, ns.homeB, punchNet.routerB, punchNet.relayB, punchNet.gwB, punchNet.homeB},
	} {
		addr(r.router, "wan", r.wan+"/24")
		addr(r.router, "lan", r.gw+"/24")
		run("ip", "-n", r.router, "route", "add", "default", "via", r.relay)
		addr(r.home, "eth0", r.host+"/24")
		run("ip", "-n", r.home, "route", "add", "default", "via", r.gw)
		in(r.router, "sysctl", "-qw", "net.ipv4.ip_forward=1")
		// A home router: what leaves is masqueraded as the WAN address;
		// what comes in is let through only as part of a connection (or
		// UDP flow) the home started.
		in(r.router, "iptables", "-w", "-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE")
		in(r.router, "iptables", "-w", "-A", "FORWARD", "-i", "wan", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT")
		in(r.router, "iptables", "-w", "-A", "FORWARD", "-i", "wan", "-j", "DROP")
		in(r.router, "iptables", "-w", "-A", "INPUT", "-i", "wan", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT")
		in(r.router, "iptables", "-w", "-A", "INPUT", "-i", "wan", "-j", "DROP")
	}
	return ns
}

// punchNode is one host process, driven by lines on its standard input;
// each command is answered by one line ("ok ..." or "err ...").
type punchNode struct {
	name string
	cmd  *exec.Cmd
	in   io.Writer
	out  *bufio.Scanner
	logs *syncBuffer
}

// startPunchNode starts this binary again as a host of role in namespace
// ns (ip netns exec), with relays as its relay and bootstrap addresses.
func startPunchNode(t *testing.T, ns, role string, relays []string) *punchNode {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	n := &punchNode{name: ns, logs: &syncBuffer{}}
	n.cmd = exec.Command("ip", "netns", "exec", ns, exe, "-test.run=^$")
	n.cmd.Env = append(os.Environ(), punchRoleEnv+"="+role, punchRelayEnv+"="+strings.Join(relays, ","))
	// ip execs the binary in place: the same process, killed with the test.
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	n.cmd.Stderr = n.logs
	if n.in, err = n.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := n.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	n.out = bufio.NewScanner(out)
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", ns, err)
	}
	t.Cleanup(func() {
		n.cmd.Process.Kill()
		n.cmd.Wait()
		if t.Failed() {
			t.Logf("%s's log:\n%s", ns, n.logs)
		}
	})
	return n
}

func (n *punchNode) ask(t *testing.T, cmd ...string) []string {
	t.Helper()
	if _, err := fmt.Fprintln(n.in, strings.Join(cmd, " ")); err != nil {
		t.Fatalf("%s: %v\n%s", n.name, err, n.logs)
	}
	if !n.out.Scan() {
		t.Fatalf("%s ended: %v\n%s", n.name, n.out.Err(), n.logs)
	}
	f := strings.Fields(n.out.Text())
	if len(f) == 0 || f[0] != "ok" {
		t.Fatalf("%s: %s: %s\n%s", n.name, strings.Join(cmd, " "), n.out.Text(), n.logs)
	}
	return f[1:]
}

// punchNodeMain is a host of TestHolePunchThroughNAT in the namespace it
// was started in: role relay runs the relay service, role home a host
// configured as a deco node behind the relay (punchRelayEnv). It does
// what the lines on in say:
//
//	id                answers its peer ID and full addresses
//	ready             wait until it holds a reservation on the relay and
//	                  serves DCUtR (it knows a public address of its own:
//	                  its router's, as the relay sees it); answers its ID
//	dial HOST:PORT    open a plain TCP connection; answers "connected"
//	                  or "refused"
//	punch ID          open a stream to ID (through the relay), wait for a
//	                  direct connection, echo 1 MiB on a new stream;
//	                  answers the first connection's address, the new
//	                  stream's and "echoed"
func punchNodeMain(role string, in io.Reader, out io.Writer) int {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var cfg Config
	switch role {
	case "relay":
		cfg = Config{RelayService: true, DHT: true, DHTMode: DHTServer}
	case "home":
		// As node.New configures a node with relays (its bootstrap peer
		// is its relay here), on the default listen addresses, but
		// without the DHT: through it each home would learn the other's
		// public address and dial it, and two such dials at about the
		// same time open both NATs by chance. The homes learn of each
		// other only through the relayed connection, so that a direct
		// connection can come only from DCUtR.
		relays := strings.Split(os.Getenv(punchRelayEnv), ",")
		cfg = Config{Bootstrap: relays, Relays: relays}
	default:
		fmt.Fprintf(out, "err unknown role %q\n", role)
		return 2
	}
	cfg.Logger = log
	h, err := New(ctx, cfg)
	if err != nil {
		fmt.Fprintf(out, "err %v\n", err)
		return 1
	}
	defer h.Close()
	h.Handle(punchProto, 0, func(ctx context.Context, s network.Stream) { io.Copy(s, s) })
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		answer, err := func() (string, error) {
			switch {
			case f[0] == "id":
				return h.ID().String() + " " + strings.Join(h.Addrs(), " "), nil
			case f[0] == "ready":
				return h.ID().String(), waitFor(ctx, 90*time.Second, func() bool {
					return slices.ContainsFunc(h.Addrs(), func(a string) bool { return strings.Contains(a, "/p2p-circuit") }) &&
						slices.Contains(h.Libp2p().Mux().Protocols(), dcutrProto)
				})
			case f[0] == "dial" && len(f) == 2:
				return dialTCP(f[1]), nil
			case f[0] == "punch" && len(f) == 2:
				return punch(ctx, h, f[1])
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

// waitFor polls cond every 100 ms until it holds or d passes.
func waitFor(ctx context.Context, d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not after %s", d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// dialTCP opens a plain TCP connection to addr (host:port) and closes
// it: "connected", or "refused" when none was made within 3 s.
func dialTCP(addr string) string {
	c, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		return "refused"
	}
	c.Close()
	return "connected"
}

// punch opens a stream to peer id (through the relay: nothing else
// reaches it), waits until hole punching has made a direct connection to
// it, and echoes 1 MiB on a new stream, which libp2p opens on the direct
// connection. It answers the first connection's remote address, the new
// stream's, and "echoed".
func punch(ctx context.Context, h *Host, id string) (string, error) {
	p, err := peer.Decode(id)
	if err != nil {
		return "", err
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := h.OpenStream(octx, p, punchProto)
	if err != nil {
		return "", err
	}
	first := s.Conn().RemoteMultiaddr().String()
	if err := echo(s, 1<<10); err != nil {
		return "", fmt.Errorf("echo on the first connection (%s): %w", first, err)
	}
	direct := func() bool {
		return slices.ContainsFunc(h.Libp2p().Network().ConnsToPeer(p), func(c network.Conn) bool { return !isCircuit(c.RemoteMultiaddr()) })
	}
	if err := waitFor(ctx, 60*time.Second, direct); err != nil {
		return "", fmt.Errorf("no direct connection to %s (connections: %v): %w", id, h.ConnAddrs(p), err)
	}
	s, err = h.OpenStream(octx, p, punchProto)
	if err != nil {
		return "", err
	}
	on := s.Conn().RemoteMultiaddr().String()
	if err := echo(s, 1<<20); err != nil {
		return "", fmt.Errorf("echo on %s: %w", on, err)
	}
	return first + " " + on + " echoed", nil
}

// echo sends n random bytes on s, closes its side and checks that the
// same bytes come back.
func echo(s network.Stream, n int) error {
	defer s.Close()
	s.SetDeadline(time.Now().Add(30 * time.Second))
	want := make([]byte, n)
	rand.Read(want)
	errc := make(chan error, 1)
	go func() {
		_, err := s.Write(want)
		if err == nil {
			err = s.CloseWrite()
		}
		errc <- err
	}()
	got, err := io.ReadAll(s)
	if err != nil {
		return fmt.Errorf("read after %d bytes: %w", len(got), err)
	}
	if err := <-errc; err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%d bytes sent, %d different ones back", n, len(got))
	}
	return nil
}
