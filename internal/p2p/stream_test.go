package p2p

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
)

type echoReq struct {
	Text string `json:"text"`
}

type echoResp struct {
	Upper string `json:"upper"`
	From  string `json:"from"`
}

var echoProto = ProtocolID("echo", 1)

// pair starts two connected hosts; a serves echoProto.
func pair(t testing.TB) (a, b *Host) {
	t.Helper()
	return pairOver(t, loopbackAddrs)
}

// pairOver is pair with a listening only on listen.
func pairOver(t testing.TB, listen []string) (a, b *Host) {
	t.Helper()
	a = newTestHost(t, Config{ListenAddrs: listen})
	b = newTestHost(t, Config{})
	a.Handle(echoProto, 5*time.Second, func(ctx context.Context, s network.Stream) {
		var req echoReq
		if err := ReadMsg(s, &req, 1024); err != nil {
			_ = s.Reset()
			return
		}
		_ = WriteMsg(s, echoResp{Upper: strings.ToUpper(req.Text), From: s.Conn().RemotePeer().String()})
	})
	if err := b.Connect(t.Context(), a.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	return a, b
}

func TestRequestRoundTrip(t *testing.T) {
	tests := []struct{ name, listen string }{
		{name: "tcp", listen: "/ip4/127.0.0.1/tcp/0"},
		{name: "quic", listen: "/ip4/127.0.0.1/udp/0/quic-v1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := pairOver(t, []string{tc.listen})
			// Many requests: a handler that answers and closes before the
			// requester's CloseWrite lands must not fail the request.
			for i := range 1000 {
				var resp echoResp
				text := fmt.Sprintf("deco %d", i)
				if err := b.Request(t.Context(), a.ID(), echoProto, echoReq{Text: text}, &resp, 1024); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				if resp.Upper != strings.ToUpper(text) || resp.From != b.ID().String() {
					t.Fatalf("request %d: resp = %+v", i, resp)
				}
			}
		})
	}
}

func TestRequestErrors(t *testing.T) {
	a, b := pair(t)
	a.Handle(ProtocolID("big", 1), time.Second, func(ctx context.Context, s network.Stream) {
		_ = WriteMsg(s, echoResp{Upper: strings.Repeat("x", 500)})
	})
	a.Handle(ProtocolID("slow", 1), 10*time.Second, func(ctx context.Context, s network.Stream) {
		<-ctx.Done()
	})
	a.Handle(ProtocolID("unknown-field", 1), time.Second, func(ctx context.Context, s network.Stream) {
		_ = WriteMsg(s, map[string]string{"upper": "x", "extra": "y"})
	})
	tests := []struct {
		name    string
		proto   string
		timeout time.Duration
		want    error
	}{
		{name: "response over cap", proto: "big", timeout: 5 * time.Second, want: ErrTooLarge},
		{name: "deadline", proto: "slow", timeout: 300 * time.Millisecond, want: context.DeadlineExceeded},
		{name: "unknown field in response", proto: "unknown-field", timeout: 5 * time.Second, want: ErrMalformed},
		{name: "unsupported protocol", proto: "nope", timeout: 5 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), tc.timeout)
			defer cancel()
			var resp echoResp
			start := time.Now()
			err := b.Request(ctx, a.ID(), ProtocolID(tc.proto, 1), echoReq{Text: "x"}, &resp, 100)
			if err == nil {
				t.Fatalf("Request succeeded: %+v", resp)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if d := time.Since(start); d > tc.timeout+time.Second {
				t.Fatalf("took %v with a %v timeout", d, tc.timeout)
			}
		})
	}
}

func TestHandlerDeadline(t *testing.T) {
	a, b := pair(t)
	ended := make(chan error, 1)
	a.Handle(ProtocolID("stall", 1), 200*time.Millisecond, func(ctx context.Context, s network.Stream) {
		var req echoReq
		ended <- ReadMsg(s, &req, 100) // the requester never writes
	})
	s, err := b.OpenStream(t.Context(), a.ID(), ProtocolID("stall", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Negotiation happens on first write; send nothing of the frame.
	if _, err := s.Write(nil); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ended:
		if err == nil {
			t.Fatal("read on a stalled stream succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler not stopped by its deadline")
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestHandlerPanicDoesNotCrash(t *testing.T) {
	var logs syncBuffer
	a := newTestHost(t, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	b := newTestHost(t, Config{})
	if err := b.Connect(t.Context(), a.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	a.Handle(echoProto, time.Second, func(ctx context.Context, s network.Stream) {
		var req echoReq
		if ReadMsg(s, &req, 100) == nil {
			_ = WriteMsg(s, echoResp{Upper: strings.ToUpper(req.Text)})
		}
	})
	a.Handle(ProtocolID("panic", 1), time.Second, func(ctx context.Context, s network.Stream) {
		panic("boom")
	})
	var resp echoResp
	err := b.Request(t.Context(), a.ID(), ProtocolID("panic", 1), echoReq{Text: "x"}, &resp, 100)
	if err == nil {
		t.Fatal("request to a panicking handler succeeded")
	}
	// The host still serves other requests.
	if err := b.Request(t.Context(), a.ID(), echoProto, echoReq{Text: "ok"}, &resp, 1024); err != nil {
		t.Fatalf("after panic: %v", err)
	}
	if resp.Upper != "OK" {
		t.Fatalf("resp = %+v", resp)
	}
	if !strings.Contains(logs.String(), "protocol handler panicked") || !strings.Contains(logs.String(), "boom") {
		t.Fatalf("panic not logged; logs:\n%s", logs.String())
	}
}

func TestOpenStreamManyMessages(t *testing.T) {
	a, b := pair(t)
	a.Handle(ProtocolID("count", 1), 5*time.Second, func(ctx context.Context, s network.Stream) {
		for {
			var req echoReq
			if err := ReadMsg(s, &req, 100); err != nil {
				return
			}
			if err := WriteMsg(s, echoResp{Upper: strings.ToUpper(req.Text)}); err != nil {
				return
			}
		}
	})
	s, err := b.OpenStream(t.Context(), a.ID(), ProtocolID("count", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got []string
	for _, w := range []string{"a", "b", "c"} {
		if err := WriteMsg(s, echoReq{Text: w}); err != nil {
			t.Fatal(err)
		}
		var resp echoResp
		if err := ReadMsg(s, &resp, 100); err != nil {
			t.Fatal(err)
		}
		got = append(got, resp.Upper)
	}
	if !slices.Equal(got, []string{"A", "B", "C"}) {
		t.Fatalf("got %v", got)
	}
}

// BenchmarkRequest measures one Request round trip between two hosts on
// loopback, over TCP (Noise, yamux) and over QUIC, and reports the median
// as median-ns/op.
func BenchmarkRequest(b *testing.B) {
	for _, tc := range []struct{ name, listen string }{
		{name: "tcp", listen: "/ip4/127.0.0.1/tcp/0"},
		{name: "quic", listen: "/ip4/127.0.0.1/udp/0/quic-v1"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			a, c := pairOver(b, []string{tc.listen})
			var resp echoResp
			// Warm up the connection and protocol negotiation.
			if err := c.Request(b.Context(), a.ID(), echoProto, echoReq{Text: "warm"}, &resp, 1024); err != nil {
				b.Fatal(err)
			}
			var times []time.Duration
			for b.Loop() {
				start := time.Now()
				if err := c.Request(b.Context(), a.ID(), echoProto, echoReq{Text: "deco"}, &resp, 1024); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "median-ns/op")
		})
	}
}
