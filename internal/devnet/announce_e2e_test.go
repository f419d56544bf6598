package devnet_test

import (
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/p2p"
)

// TestHostileAnnounces: a peer pushes offers straight to a node on
// /deco/announce/1 (as a provider does when its terms change). Garbage,
// truncated and oversized frames, a tampered signature, a replayed older
// offer, an expired one, another node's offer relayed, and a flood of
// streams are all dropped; the node's catalog keeps the peer's last
// genuine offer, and the node still answers its API and takes the next
// genuine announce.
func TestHostileAnnounces(t *testing.T) {
	net := start(t, t.TempDir())
	defer net.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	target := net.Nodes[0]
	h, k := requesterHost(t, ctx, target.Addrs()[0])
	pid, err := peer.Decode(target.PeerID())
	if err != nil {
		t.Fatal(err)
	}
	proto := p2p.ProtocolID(market.ProtoAnnounce, 1)
	signed := func(key *identity.Key, seq uint64, cpu job.MilliCPU, expires time.Time) offer.Offer {
		o := offer.Offer{Seq: seq, Free: job.Resources{CPU: cpu, Memory: 1 << 30}, Executors: []string{"wasm"},
			IssuedAt: time.Now(), Expires: expires}
		if err := o.Sign(key); err != nil {
			t.Fatal(err)
		}
		return o
	}
	announce := func(o offer.Offer) {
		t.Helper()
		var ack struct{}
		_ = h.Request(ctx, pid, proto, o, &ack, market.MaxSmallMsg) // a dropped offer may get no ack
	}
	raw := func(b []byte) {
		t.Helper()
		s, err := h.OpenStream(ctx, pid, proto)
		if err != nil {
			t.Fatalf("open stream: %v", err)
		}
		_ = s.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = s.Write(b)
		_ = s.CloseWrite()
		_, _ = io.Copy(io.Discard, s)
		s.Close()
	}
	held := func(of string) (offer.Offer, bool) { return target.Catalog().Get(of) }
	later := time.Now().Add(time.Minute)

	announce(signed(k, 5, 1000, later))
	if o, ok := held(k.PeerID()); !ok || o.Seq != 5 {
		t.Fatalf("a genuine announce was not taken: %+v %v", o, ok)
	}

	dropped0 := droppedOffers(t, target.APIURL())
	frame := func(n uint32, body []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, n)
		return append(b, body...)
	}
	raw([]byte("\xff\xfe garbage, not a frame"))
	raw(frame(100, []byte(`{"seq":`)))                    // truncated
	raw(frame(market.MaxOfferSize+1, make([]byte, 4096))) // oversized
	raw(frame(3, []byte("{{{")))                          // not JSON

	tampered := signed(k, 10, 1000, later)
	tampered.Free.CPU = 64000 // the signature covers 1000
	announce(tampered)
	announce(signed(k, 3, 3000, later))                         // replay of an older one
	announce(signed(k, 20, 2000, time.Now().Add(-time.Second))) // expired
	other, err := identity.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	announce(signed(other, 1, 1000, later)) // genuine, but not the sender's own
	if o, _ := held(k.PeerID()); o.Seq != 5 || o.Free.CPU != 1000 {
		t.Errorf("a hostile announce replaced the genuine offer: seq %d, cpu %d", o.Seq, o.Free.CPU)
	}
	if _, ok := held(other.PeerID()); ok {
		t.Error("an offer relayed by a peer that is not its node was taken")
	}

	// Each hostile frame and offer above is counted as dropped, but for
	// the replay: an older offer is ignored as stale gossip is.
	if d := droppedOffers(t, target.APIURL()) - dropped0; d < 7 {
		t.Errorf("deco_offers_dropped_total rose by %v for 7 hostile announces and a replay", d)
	}

	// A flood of streams, each garbage.
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			s, err := h.OpenStream(ctx, pid, proto)
			if err != nil {
				return // the resource manager may refuse some: that is the point
			}
			_ = s.SetDeadline(time.Now().Add(5 * time.Second))
			_, _ = s.Write(frame(1<<20, nil))
			s.Reset()
		})
	}
	wg.Wait()

	droppedOffers(t, target.APIURL()) // the API still answers
	deadline := time.Now().Add(10 * time.Second)
	for {
		announce(signed(k, 6, 1500, later))
		if o, _ := held(k.PeerID()); o.Seq == 6 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the node no longer takes genuine announces after the flood")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// droppedOffers reads deco_offers_dropped_total from a node's /metrics.
func droppedOffers(t *testing.T, api string) float64 {
	t.Helper()
	resp, err := http.Get(api + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("metrics: %s %v", resp.Status, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "deco_offers_dropped_total "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metrics: %q: %v", line, err)
			}
			return f
		}
	}
	t.Fatal("metrics: no deco_offers_dropped_total")
	return 0
}
