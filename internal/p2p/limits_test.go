package p2p

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// holdOpen serves proto on h: each stream's request is answered at once,
// then the stream is held open until release closes (a slow or hostile
// peer's streams, as the resource manager sees them).
func holdOpen(h *Host, proto protocol.ID, release <-chan struct{}, served *atomic.Int32) {
	h.Handle(proto, 30*time.Second, func(ctx context.Context, s network.Stream) {
		var req echoReq
		if err := ReadMsg(s, &req, 1024); err != nil {
			return
		}
		served.Add(1)
		if err := WriteMsg(s, echoResp{Upper: strings.ToUpper(req.Text)}); err != nil {
			return
		}
		select {
		case <-release:
		case <-ctx.Done():
		}
	})
}

// flood opens n streams from h to p on proto and keeps them open; it
// counts the streams answered and the ones refused.
func flood(t *testing.T, h *Host, p *Host, proto protocol.ID, n int) (answered, refused int, streams []network.Stream) {
	t.Helper()
	for range n {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		s, err := h.OpenStream(ctx, p.ID(), proto)
		cancel()
		if err != nil {
			refused++
			continue
		}
		_ = s.SetDeadline(time.Now().Add(5 * time.Second))
		var resp echoResp
		if err := WriteMsg(s, echoReq{Text: "flood"}); err != nil {
			refused++
			_ = s.Reset()
			continue
		}
		if err := ReadMsg(s, &resp, 1024); err != nil {
			refused++
			_ = s.Reset()
			continue
		}
		_ = s.SetDeadline(time.Time{})
		answered++
		streams = append(streams, s)
	}
	return answered, refused, streams
}

// TestStreamFloodRefused: one peer opening many streams on one /deco/
// protocol is refused past the per-peer limit, while another peer is still
// served on the same protocol and the flooding peer is served again once
// its streams close.
func TestStreamFloodRefused(t *testing.T) {
	const limit = 4
	proto := ProtocolID("flood", 1)
	node := newTestHost(t, Config{Limits: Limits{DecoPeerStreamsInbound: limit}})
	release := make(chan struct{})
	var served atomic.Int32
	holdOpen(node, proto, release, &served)
	node.Handle(echoProto, 5*time.Second, func(ctx context.Context, s network.Stream) {
		var req echoReq
		if err := ReadMsg(s, &req, 1024); err != nil {
			return
		}
		_ = WriteMsg(s, echoResp{Upper: strings.ToUpper(req.Text)})
	})
	flooder := newTestHost(t, Config{})
	other := newTestHost(t, Config{})
	for _, h := range []*Host{flooder, other} {
		if err := h.Connect(t.Context(), node.Addrs()[0]); err != nil {
			t.Fatal(err)
		}
	}

	answered, refused, streams := flood(t, flooder, node, proto, 4*limit)
	if answered != limit || refused != 3*limit {
		t.Fatalf("flood of %d streams: %d answered, %d refused; want %d answered", 4*limit, answered, refused, limit)
	}
	if got := served.Load(); got != limit {
		t.Fatalf("handler ran %d times, want %d (refused streams must not reach it)", got, limit)
	}

	// Another peer is still served, on the flooded protocol and another.
	a2, r2, s2 := flood(t, other, node, proto, 1)
	if a2 != 1 || r2 != 0 {
		t.Fatalf("other peer on the flooded protocol: %d answered, %d refused", a2, r2)
	}
	streams = append(streams, s2...)
	var resp echoResp
	if err := other.Request(t.Context(), node.ID(), echoProto, echoReq{Text: "still here"}, &resp, 1024); err != nil || resp.Upper != "STILL HERE" {
		t.Fatalf("other peer's request: %+v, %v", resp, err)
	}
	// The flooder's other protocols are not blocked by its flood of one.
	if err := flooder.Request(t.Context(), node.ID(), echoProto, echoReq{Text: "echo"}, &resp, 1024); err != nil {
		t.Fatalf("flooder on another protocol: %v", err)
	}

	// Once the held streams end, the flooder is served again.
	close(release)
	for _, s := range streams {
		_ = s.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		a, _, ss := flood(t, flooder, node, proto, 1)
		for _, s := range ss {
			_ = s.Close()
		}
		if a == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("flooder not served again after its streams closed")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestLimitsValidate(t *testing.T) {
	tests := []struct {
		name   string
		limits Limits
		ok     bool
	}{
		{name: "zero value", limits: Limits{}, ok: true},
		{name: "negative peer streams", limits: Limits{PeerStreamsInbound: -1}},
		{name: "negative deco memory", limits: Limits{DecoPeerMemory: -1}},
		{name: "override of a foreign protocol", limits: Limits{Protocols: map[protocol.ID]ProtocolLimits{"/ipfs/kad/1.0.0": {StreamsInbound: 1}}}},
		{name: "negative override", limits: Limits{Protocols: map[protocol.ID]ProtocolLimits{"/deco/task/1": {PeerStreamsInbound: -2}}}},
		{name: "deco override", limits: Limits{Protocols: map[protocol.ID]ProtocolLimits{"/deco/task/1": {PeerStreamsInbound: 64}}}, ok: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := New(t.Context(), Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Limits: tc.limits})
			if err == nil {
				_ = h.Close()
			}
			if (err == nil) != tc.ok {
				t.Fatalf("New: err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestDecoLimitsOverride(t *testing.T) {
	l := Limits{DecoPeerStreamsInbound: 8, Protocols: map[protocol.ID]ProtocolLimits{"/deco/task/1": {PeerStreamsInbound: 64}}}
	if got := l.deco("/deco/task/1"); got.PeerStreamsInbound != 64 || got.StreamsInbound != DefaultDecoStreamsInbound {
		t.Errorf("task override: %+v", got)
	}
	if got := l.deco("/deco/quote/1"); got.PeerStreamsInbound != 8 || got.PeerMemory != DefaultDecoPeerMemory {
		t.Errorf("quote: %+v", got)
	}
}
