package provider

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/p2p"
)

// TestLogCap: past the cap an execution's log ends with a line saying so
// and nothing more is kept.
func TestLogCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs")
	const limit = 200
	x := newSender(path, time.Now, job.StateRunning, limit)
	for range 10 {
		if err := x.log(bytes.Repeat([]byte("x"), 50)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat("x", limit) + "\n[deco: log truncated at 200 bytes; further output is dropped]\n"
	if string(b) != want || x.logged() != int64(len(want)) {
		t.Fatalf("log = %q (logged %d), want the first %d bytes and the truncation line", b, x.logged(), limit)
	}
}

// TestAttachGetsLatestUsage: a stream that attaches while the execution
// runs is sent the latest usage report again after the catch-up, since
// its answer may have been lost with the stream it went out on.
func TestAttachGetsLatestUsage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, a := newHost(t)
	_, b := newHost(t)
	got := make(chan network.Stream, 1)
	const proto = "/deco-test/feed/1"
	b.Libp2p().SetStreamHandler(proto, func(s network.Stream) { got <- s })
	if err := a.Connect(ctx, b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	x := newSender(filepath.Join(t.TempDir(), "logs"), time.Now, job.StateRunning, 0)
	x.send(market.TaskEvent{Type: market.EventUsage, Usage: &market.UsageReport{Seq: 1}})
	x.send(market.TaskEvent{Type: market.EventUsage, Usage: &market.UsageReport{Seq: 2}})
	out, err := a.Libp2p().NewStream(ctx, b.ID(), proto)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.attach(out, 0); err != nil {
		t.Fatal(err)
	}
	in := <-got
	_ = in.SetReadDeadline(time.Now().Add(5 * time.Second))
	var ev market.TaskEvent
	if err := p2p.ReadMsg(in, &ev, market.MaxTaskEvent); err != nil || ev.Type != market.EventState {
		t.Fatalf("first event %+v (%v), want the state", ev, err)
	}
	if err := p2p.ReadMsg(in, &ev, market.MaxTaskEvent); err != nil || ev.Type != market.EventUsage || ev.Usage.Seq != 2 {
		t.Fatalf("second event %+v (%v), want usage report 2 again", ev, err)
	}
}
