package p2p

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// meshOf starts n hosts all bootstrapped to the first, each joined to
// topic with the given size caps.
func meshOf(t *testing.T, caps []int, topic string) ([]*Host, []*Topic) {
	t.Helper()
	return meshWith(t, caps, topic, make([]func([]byte) error, len(caps)))
}

// meshWith is meshOf with host i's topic validator accepts[i].
func meshWith(t *testing.T, caps []int, topic string, accepts []func([]byte) error) ([]*Host, []*Topic) {
	t.Helper()
	hosts := []*Host{newTestHost(t, Config{})}
	for range caps[1:] {
		hosts = append(hosts, newTestHost(t, Config{Bootstrap: hosts[0].Addrs()}))
	}
	for _, h := range hosts[1:] {
		eventually(t, 10*time.Second, "bootstrap", func() bool { return connected(h, hosts[0]) })
	}
	topics := make([]*Topic, len(hosts))
	for i, h := range hosts {
		tp, err := h.Join(topic, caps[i], accepts[i])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tp.Close() })
		topics[i] = tp
	}
	return hosts, topics
}

// publishUntil publishes a fresh message on tp every 200 ms until every
// channel in subs has received one from tp's host, or d passes. It
// returns the first message each subscription got.
func publishUntil(t *testing.T, tp *Topic, subs []<-chan Message, d time.Duration) []Message {
	t.Helper()
	got := make([]Message, len(subs))
	have := make([]bool, len(subs))
	left := len(subs)
	deadline := time.After(d)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for seq := 0; left > 0; seq++ {
		if err := tp.Publish(t.Context(), fmt.Appendf(nil, "hello %d", seq)); err != nil {
			t.Fatal(err)
		}
	wait:
		for {
			select {
			case <-deadline:
				t.Fatalf("after %v only %d of %d subscribers got a message", d, len(subs)-left, len(subs))
			case <-tick.C:
				break wait
			default:
			}
			progress := false
			for i, ch := range subs {
				select {
				case m, ok := <-ch:
					if !ok {
						t.Fatalf("subscription %d closed", i)
					}
					progress = true
					if !have[i] && bytes.HasPrefix(m.Data, []byte("hello ")) {
						have[i], got[i] = true, m
						left--
					}
				default:
				}
			}
			if left == 0 {
				break
			}
			if !progress {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	return got
}

func TestGossipThreeHosts(t *testing.T) {
	hosts, topics := meshOf(t, []int{0, 0, 0}, "deco/test/1")
	subs := make([]<-chan Message, len(topics))
	for i, tp := range topics {
		ch, err := tp.Subscribe(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		subs[i] = ch
	}
	got := publishUntil(t, topics[1], subs, 20*time.Second)
	for i, m := range got {
		if !bytes.HasPrefix(m.Data, []byte("hello ")) {
			t.Errorf("subscriber %d got %+v", i, m)
		}
	}
	// Own messages are delivered, with ReceivedFrom set to the host.
	if got[1].ReceivedFrom != hosts[1].ID() {
		t.Errorf("own message ReceivedFrom = %s, want self", got[1].ReceivedFrom)
	}
	if got[0].ReceivedFrom == hosts[0].ID() {
		t.Errorf("remote message ReceivedFrom = self")
	}
}

func TestGossipDropsOversized(t *testing.T) {
	// The sender allows 8 KiB, the receivers only 1 KiB: the receivers'
	// validators must drop the 2 KiB message.
	_, topics := meshOf(t, []int{1024, 8 << 10, 1024}, "deco/test/big")
	subs := make([]<-chan Message, 0, 2)
	for _, i := range []int{0, 2} {
		ch, err := topics[i].Subscribe(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, ch)
	}
	// Wait for the mesh with small messages first.
	publishUntil(t, topics[1], subs, 20*time.Second)
	big := bytes.Repeat([]byte("B"), 2048)
	if err := topics[1].Publish(t.Context(), big); err != nil {
		t.Fatal(err)
	}
	// A small message sent after the big one arrives; the big one must
	// not have arrived before it.
	if err := topics[1].Publish(t.Context(), []byte("after")); err != nil {
		t.Fatal(err)
	}
	for i, ch := range subs {
		timeout := time.After(10 * time.Second)
		for done := false; !done; {
			select {
			case m := <-ch:
				if len(m.Data) > 1024 {
					t.Fatalf("subscriber %d got a %d-byte message over its 1 KiB cap", i, len(m.Data))
				}
				done = string(m.Data) == "after"
			case <-timeout:
				t.Fatalf("subscriber %d: message after the oversized one never arrived", i)
			}
		}
	}
}

// TestGossipRefusedNotDelivered: what a host's validator refuses never
// reaches its subscribers; its own refused messages are not published.
func TestGossipRefusedNotDelivered(t *testing.T) {
	refuseBad := func(b []byte) error {
		if bytes.HasPrefix(b, []byte("bad")) {
			return errors.New("bad payload")
		}
		return nil
	}
	_, topics := meshWith(t, []int{0, 0, 0}, "deco/test/refuse", []func([]byte) error{refuseBad, nil, refuseBad})
	subs := make([]<-chan Message, 0, 2)
	for _, i := range []int{0, 2} {
		ch, err := topics[i].Subscribe(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, ch)
	}
	publishUntil(t, topics[1], subs, 20*time.Second)
	for _, b := range []string{"bad one", "after"} {
		if err := topics[1].Publish(t.Context(), []byte(b)); err != nil {
			t.Fatal(err)
		}
	}
	for i, ch := range subs {
		timeout := time.After(10 * time.Second)
		for done := false; !done; {
			select {
			case m := <-ch:
				if bytes.HasPrefix(m.Data, []byte("bad")) {
					t.Fatalf("subscriber %d got a refused message", i)
				}
				done = string(m.Data) == "after"
			case <-timeout:
				t.Fatalf("subscriber %d: the message after the refused one never arrived", i)
			}
		}
	}
	if err := topics[0].Publish(t.Context(), []byte("bad own")); err == nil {
		t.Fatal("a host published a message its own validator refuses")
	}
}

func TestGossipPublishRejectsOversized(t *testing.T) {
	h := newTestHost(t, Config{MaxGossipSize: 4096})
	tp, err := h.Join("deco/test/cap", 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Close()
	if err := tp.Publish(t.Context(), make([]byte, 101)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Publish over cap: err = %v, want ErrTooLarge", err)
	}
	if _, err := h.Join("deco/test/too-big", 4097, nil); err == nil {
		t.Fatal("Join with a cap above MaxGossipSize succeeded")
	}
}

func TestGossipSubscriptionEnds(t *testing.T) {
	h := newTestHost(t, Config{})
	tp, err := h.Join("deco/test/end", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	ch, err := tp.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ch2, err := tp.Subscribe(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	waitClosed(t, ch)
	if err := tp.Close(); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, ch2)
}

func waitClosed(t *testing.T, ch <-chan Message) {
	t.Helper()
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatal("subscription channel not closed")
		}
	}
}

// TestGossipOnPeerJoin: a watcher hears of a peer already subscribed to
// the topic and of one that subscribes later (not of a connected peer
// outside it),
// and a message published when it hears reaches that peer; the topic
// closes with the watcher running.
func TestGossipOnPeerJoin(t *testing.T) {
	const topic = "deco/test/join"
	hosts, topics := meshOf(t, []int{0, 0}, topic)
	if _, err := topics[1].Subscribe(t.Context()); err != nil { // joining alone does not tell the peers
		t.Fatal(err)
	}
	late := newTestHost(t, Config{Bootstrap: hosts[0].Addrs()})
	eventually(t, 10*time.Second, "bootstrap", func() bool { return connected(late, hosts[0]) })
	joined := make(chan peer.ID, 4)
	if err := topics[0].OnPeerJoin(t.Context(), func(p peer.ID) {
		joined <- p
		if err := topics[0].Publish(t.Context(), []byte("hello "+p.String())); err != nil {
			t.Errorf("publish on join: %v", err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	next := func(want peer.ID) {
		t.Helper()
		select {
		case p := <-joined:
			if p != want {
				t.Fatalf("joined %s, want %s", p, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("never heard that %s joined", want)
		}
	}
	next(hosts[1].ID())
	select {
	case p := <-joined:
		t.Fatalf("%s reported joined before it joined the topic", p)
	case <-time.After(300 * time.Millisecond):
	}
	lt, err := late.Join(topic, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lt.Close()
	sub, err := lt.Subscribe(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	next(late.ID())
	select {
	case m := <-sub:
		if string(m.Data) != "hello "+late.ID().String() {
			t.Fatalf("late peer got %q", m.Data)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the message published on join never reached the peer that joined")
	}
	if err := topics[0].Close(); err != nil {
		t.Fatal(err)
	}
	if err := topics[0].OnPeerJoin(t.Context(), func(peer.ID) {}); err == nil {
		t.Fatal("watching a closed topic was not refused")
	}
}
