package jobnet

import (
	"log/slog"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// routeFixture is job "job" with tasks 0 and 2 on provider "A" (here) and
// task 1 on "B", its links writing into pipes instead of TUN files.
type routeFixture struct {
	j     *job
	links [3]*Link
	pipes map[int]*os.File // read ends, by local task
}

func newRouteFixture(t *testing.T) *routeFixture {
	s := &Service{log: slog.New(slog.DiscardHandler)}
	s.bufs.New = func() any { b := make([]byte, MTU); return &b }
	members := []peer.ID{"A", "B", "A"}
	sub := Subnet(DefaultRange, "job")
	j := &job{svc: s, id: "job", subnet: sub, members: members, self: "A", log: s.log,
		senders: map[peer.ID]*sender{"B": {queue: make(chan *[]byte, 8)}},
		links:   make([]*Link, 3)}
	f := &routeFixture{j: j, pipes: map[int]*os.File{}}
	for _, task := range []int{0, 2} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close(); w.Close() })
		l := &Link{j: j, task: task, addr: Addr(sub, task), tun: w}
		j.links[task], f.links[task], f.pipes[task] = l, l, r
	}
	return f
}

// packet is a minimal IPv4 header from task src's address to dst's; a
// negative task stands for an address outside the job.
func (f *routeFixture) packet(src, dst int) []byte {
	addr := func(task int) netip.Addr {
		if task < 0 {
			return netip.MustParseAddr("8.8.8.8")
		}
		return Addr(f.j.subnet, task)
	}
	p := make([]byte, 20)
	p[0] = 0x45
	s, d := addr(src).As4(), addr(dst).As4()
	copy(p[12:], s[:])
	copy(p[16:], d[:])
	return p
}

// got reports whether local task task's pipe received a packet.
func (f *routeFixture) got(t *testing.T, task int) bool {
	r := f.pipes[task]
	r.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	n, _ := r.Read(make([]byte, MTU))
	return n > 0
}

func TestDeliverChecksSender(t *testing.T) {
	for _, tc := range []struct {
		name     string
		remote   peer.ID
		src, dst int
		want     int // local task that gets it, or -1
	}{
		{"from the sender's task", "B", 1, 0, 0},
		{"to the other local task", "B", 1, 2, 2},
		{"spoofed source", "B", 2, 0, -1},
		{"source outside the job", "B", -1, 0, -1},
		{"not a member", "C", 1, 0, -1},
		{"to a remote task", "B", 1, 1, -1},
		{"to outside the job", "B", 1, -1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newRouteFixture(t)
			f.j.deliver(tc.remote, f.packet(tc.src, tc.dst))
			for _, task := range []int{0, 2} {
				if got := f.got(t, task); got != (task == tc.want) {
					t.Errorf("task %d got a packet: %v", task, got)
				}
			}
		})
	}
}

func TestRouteChecksTask(t *testing.T) {
	for _, tc := range []struct {
		name   string
		p      func(f *routeFixture) []byte
		local  bool // task 2 gets it
		remote bool // queued for B
	}{
		{"to a local task", func(f *routeFixture) []byte { return f.packet(0, 2) }, true, false},
		{"to a remote task", func(f *routeFixture) []byte { return f.packet(0, 1) }, false, true},
		{"spoofed source", func(f *routeFixture) []byte { return f.packet(2, 1) }, false, false},
		{"to itself", func(f *routeFixture) []byte { return f.packet(0, 0) }, false, false},
		{"to outside the job", func(f *routeFixture) []byte { return f.packet(0, -1) }, false, false},
		{"ipv6", func(f *routeFixture) []byte { p := f.packet(0, 2); p[0] = 0x60; return p }, false, false},
		{"runt", func(f *routeFixture) []byte { return f.packet(0, 2)[:19] }, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newRouteFixture(t)
			bp := f.j.svc.getBuf()
			*bp = append((*bp)[:0], tc.p(f)...)
			f.j.route(f.links[0], bp)
			if got := f.got(t, 2); got != tc.local {
				t.Errorf("local delivery: %v, want %v", got, tc.local)
			}
			if got := len(f.j.senders["B"].queue) == 1; got != tc.remote {
				t.Errorf("queued for the remote: %v, want %v", got, tc.remote)
			}
		})
	}
}
