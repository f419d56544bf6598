package jobnet

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// TestJobNetwork runs job "job-1" with task 0 on provider A, task 1 on B
// and task 2 on A again, each in its own namespace, and checks the barrier,
// TCP between the tasks over the remote and local paths, refusals and
// cleanup.
func TestJobNetwork(t *testing.T) {
	requireRoot(t)
	hA, hB, hC := newHost(t), newHost(t), newHost(t)
	connect(t, hA, hB)
	connect(t, hC, hA)
	nsA, nsB, nsC := newNS(t), newNS(t), newNS(t)
	goroutines := runtime.NumGoroutine()
	sA := New(Config{Host: hA, Logger: testLogger("A")})
	sB := New(Config{Host: hB, Logger: testLogger("B")})
	ctx := context.Background()
	const jobID = "job-1"
	members := []peer.ID{hA.ID(), hB.ID(), hA.ID()}

	l0, err := sA.Join(ctx, jobID, 0, members, nsA.path)
	if err != nil {
		t.Fatal(err)
	}
	notReady := func(what string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		if err := l0.Ready(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Ready %s = %v, want a timeout", what, err)
		}
	}
	notReady("with one task of three")
	if _, err := sA.Join(ctx, jobID, 0, members, nsC.path); err == nil {
		t.Fatal("task 0 joined twice")
	}
	if _, err := sA.Join(ctx, jobID, 2, []peer.ID{hA.ID(), hC.ID(), hA.ID()}, nsC.path); err == nil {
		t.Fatal("joined with other members")
	}
	l2, err := sA.Join(ctx, jobID, 2, members, nsC.path)
	if err != nil {
		t.Fatal(err)
	}
	notReady("without task 1")
	time.Sleep(2 * retryInterval) // A's sender has been refused by B a few times
	l1, err := sB.Join(ctx, jobID, 1, members, nsB.path)
	if err != nil {
		t.Fatal(err)
	}
	readyCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for i, l := range []*Link{l0, l1, l2} {
		if err := l.Ready(readyCtx); err != nil {
			t.Fatalf("task %d: Ready: %v", i, err)
		}
	}

	sub := Subnet(DefaultRange, jobID)
	for i, l := range []*Link{l0, l1, l2} {
		if l.Addr() != Addr(sub, i) {
			t.Errorf("task %d: Addr = %s, want %s", i, l.Addr(), Addr(sub, i))
		}
	}
	hosts := l1.Hosts()
	if len(hosts) != 3 || hosts["task-2"] != Addr(sub, 2) {
		t.Errorf("Hosts = %v", hosts)
	}
	link, err := linkIn(nsA)
	if err != nil {
		t.Fatalf("%s in namespace A: %v", Interface, err)
	}
	if link.Attrs().MTU != MTU || link.Attrs().Flags&net.FlagUp == 0 {
		t.Errorf("%s: mtu %d, flags %v", Interface, link.Attrs().MTU, link.Attrs().Flags)
	}

	echo := func(c net.Conn) { io.Copy(c, c) }
	listenIn(t, nsB, netip.AddrPortFrom(l1.Addr(), 7000).String(), echo)
	listenIn(t, nsC, netip.AddrPortFrom(l2.Addr(), 7000).String(), echo)
	for _, tc := range []struct {
		name string
		from testNS
		to   *Link
	}{
		{"A to B, remote", nsA, l1},
		{"B to A's second task, remote", nsB, l2},
		{"A to its second task, local", nsA, l2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := dialIn(tc.from, netip.AddrPortFrom(tc.to.Addr(), 7000).String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			want := make([]byte, 4<<20)
			rand.Read(want)
			go c.Write(want)
			got := make([]byte, len(want))
			if _, err := io.ReadFull(c, got); err != nil {
				t.Fatalf("read echo: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatal("echo differs")
			}
		})
	}

	t.Run("refusals", func(t *testing.T) {
		sC := New(Config{Host: hC})
		defer sC.Close()
		for _, tc := range []struct {
			name string
			from *Service
			job  string
		}{
			{"peer not in members", sC, jobID},
			{"unknown job", sB, "job-2"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				sn := &sender{j: &job{svc: tc.from, id: tc.job}, peer: hA.ID()}
				st, err := sn.dial(ctx)
				if err == nil {
					st.Reset()
					t.Fatal("stream accepted")
				}
				if !strings.HasPrefix(err.Error(), "refused") {
					t.Fatalf("dial: %v, want a refusal", err)
				}
			})
		}
	})

	for i, tc := range []struct {
		l  *Link
		ns testNS
	}{{l0, nsA}, {l1, nsB}, {l2, nsC}} {
		if err := tc.l.Close(); err != nil {
			t.Errorf("task %d: Close: %v", i, err)
		}
		if err := tc.l.Close(); err != nil {
			t.Errorf("task %d: second Close: %v", i, err)
		}
		if _, err := linkIn(tc.ns); err == nil {
			t.Errorf("task %d: %s still exists after Close", i, Interface)
		}
		if err := tc.l.Ready(ctx); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Errorf("task %d: Ready after Close = %v", i, err)
		}
	}
	sA.Close()
	sB.Close()
	if _, err := sA.Join(ctx, jobID, 0, members, nsA.path); err == nil {
		t.Error("Join after Close succeeded")
	}
	// Let libp2p's and the echo servers' goroutines for the streams and
	// connections end, then compare loosely.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutines+10 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	n := runtime.NumGoroutine()
	if n > goroutines+10 {
		t.Errorf("%d goroutines after Close, %d before Join", n, goroutines)
	}
	t.Logf("goroutines: %d before Join, %d after Close", goroutines, n)
}

// TestServiceCloseClosesLinks checks that Service.Close removes every
// interface and ends Ready.
func TestServiceCloseClosesLinks(t *testing.T) {
	requireRoot(t)
	hA, hB := newHost(t), newHost(t)
	connect(t, hA, hB)
	ns := newNS(t)
	s := New(Config{Host: hA, Logger: testLogger("A")})
	l, err := s.Join(context.Background(), "job-3", 0, []peer.ID{hA.ID(), hB.ID()}, ns.path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Ready(context.Background()) }()
	s.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Ready after Service.Close = %v, want net.ErrClosed", err)
	}
	if _, err := linkIn(ns); err == nil {
		t.Errorf("%s still exists after Service.Close", Interface)
	}
}

func TestJoinRejectsBadArguments(t *testing.T) {
	h, other := newHost(t), newHost(t)
	s := New(Config{Host: h})
	defer s.Close()
	members := []peer.ID{h.ID(), other.ID()}
	for _, tc := range []struct {
		name    string
		job     string
		task    int
		members []peer.ID
	}{
		{"task runs elsewhere", "job", 1, members},
		{"negative task", "job", -1, members},
		{"task beyond members", "job", 2, members},
		{"empty job id", "", 0, members},
		{"too many tasks", "job", 0, make([]peer.ID, 2000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Join(context.Background(), tc.job, tc.task, tc.members, "/nonexistent"); err == nil {
				t.Error("Join succeeded")
			}
		})
	}
}
