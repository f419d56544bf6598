package requester

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	p2pcrypto "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/store"
)

func newKeyHost(t *testing.T) (*identity.Key, *p2p.Host) {
	t.Helper()
	k, err := identity.Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := p2pcrypto.UnmarshalSecp256k1PrivateKey(k.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	h, err := p2p.New(context.Background(), p2p.Config{Key: pk, ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return k, h
}

func rawFrame(n uint32, body string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, n), body...)
}

func quoteFrame(t *testing.T, q *market.Quote) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := p2p.WriteMsg(&buf, market.QuoteReply{Quote: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestHostileQuoteReplies: a hostile provider answers quote requests with
// garbage, oversized or truncated frames, unknown fields, silence, and
// quotes that are forged, another provider's, for another job or
// requester, expired or altered after signing. The requester refuses each
// with an error and takes the genuine quote afterwards.
func TestHostileQuoteReplies(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "deco.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reqKey, reqHost := newKeyHost(t)
	provKey, provHost := newKeyHost(t)
	otherKey, _ := newKeyHost(t)
	now := time.Now()
	r, err := New(ctx, Config{Host: reqHost, Store: st, Key: reqKey, DataDir: t.TempDir(), Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	// reply builds the provider's answer to one request.
	var reply atomic.Pointer[func(market.QuoteRequest) []byte]
	provHost.Handle(p2p.ProtocolID(market.ProtoQuote, 1), 10*time.Second, func(ctx context.Context, s network.Stream) {
		var req market.QuoteRequest
		if err := p2p.ReadMsg(s, &req, market.MaxTaskRequest); err != nil || req.Decline {
			return
		}
		b := (*reply.Load())(req)
		if b == nil { // silence until the requester gives up
			<-ctx.Done()
			return
		}
		_, _ = s.Write(b)
	})
	if err := reqHost.Connect(ctx, provHost.Addrs()[0]); err != nil {
		t.Fatal(err)
	}

	spec := job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Command: []string{"true"}}
	spec.ApplyDefaults()
	j := &store.Job{ID: job.NewID(), ExecutionID: job.NewID(), Spec: spec, SpecDigest: job.Digest(spec)}
	// signed is the quote an honest provider would give for req, signed by
	// key, after edit.
	signed := func(key *identity.Key, req market.QuoteRequest, edit func(*market.Quote)) *market.Quote {
		q := &market.Quote{JobID: req.JobID, SpecDigest: req.SpecDigest, TaskIndex: req.TaskIndex, ExecutionID: req.ExecutionID,
			Requester: reqKey.PeerID(), RequesterAddress: req.RequesterAddress,
			Terms:    market.Terms{PerHour: money.Unit, MaxAmount: money.Unit},
			Deadline: now.Add(30 * time.Second), Verification: "none"}
		if edit != nil {
			edit(q)
		}
		if err := q.SignAsProvider(key); err != nil {
			t.Fatal(err)
		}
		return q
	}
	cases := []struct {
		name  string
		reply func(req market.QuoteRequest) []byte
		want  string
	}{
		{name: "garbage", reply: func(market.QuoteRequest) []byte { return rawFrame(11, "not json!!!") }, want: "malformed"},
		{name: "oversized length prefix", reply: func(market.QuoteRequest) []byte { return rawFrame(0xffffffff, "{") }, want: "too large"},
		{name: "truncated frame", reply: func(market.QuoteRequest) []byte { return rawFrame(100, `{"quote":`) }, want: "EOF"},
		{name: "unknown field", reply: func(market.QuoteRequest) []byte { return rawFrame(11, `{"bogus":1}`) }, want: "unknown field"},
		{name: "empty answer", reply: func(market.QuoteRequest) []byte { return rawFrame(2, `{}`) }, want: "empty answer"},
		{name: "silence", reply: func(market.QuoteRequest) []byte { return nil }, want: "deadline"},
		{name: "signed by another key", reply: func(req market.QuoteRequest) []byte {
			q := signed(otherKey, req, nil)
			q.Provider = provKey.PeerID() // claims the asked provider
			return quoteFrame(t, q)
		}, want: "signature"},
		{name: "another provider's genuine quote", reply: func(req market.QuoteRequest) []byte {
			return quoteFrame(t, signed(otherKey, req, nil))
		}, want: "another provider"},
		{name: "terms altered after signing", reply: func(req market.QuoteRequest) []byte {
			q := signed(provKey, req, nil)
			q.Terms.PerHour, q.Terms.MaxAmount = 1, 1
			return quoteFrame(t, q)
		}, want: "signature"},
		{name: "replayed quote of another job", reply: func(req market.QuoteRequest) []byte {
			return quoteFrame(t, signed(provKey, req, func(q *market.Quote) { q.JobID = "another-job" }))
		}, want: "do not match"},
		{name: "quote for another requester", reply: func(req market.QuoteRequest) []byte {
			return quoteFrame(t, signed(provKey, req, func(q *market.Quote) { q.Requester, q.RequesterAddress = otherKey.PeerID(), otherKey.Address() }))
		}, want: "do not match"},
		{name: "expired quote", reply: func(req market.QuoteRequest) []byte {
			return quoteFrame(t, signed(provKey, req, func(q *market.Quote) { q.Deadline = now.Add(-time.Second) }))
		}, want: "expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reply.Store(&tc.reply)
			actx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			start := time.Now()
			q, err := r.askQuote(actx, j, provKey.PeerID())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("askQuote = %+v, %v; want an error saying %q", q, err, tc.want)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("refusal took %s", d)
			}
		})
	}

	genuine := func(req market.QuoteRequest) []byte { return quoteFrame(t, signed(provKey, req, nil)) }
	reply.Store(&genuine)
	q, err := r.askQuote(ctx, j, provKey.PeerID())
	if err != nil {
		t.Fatalf("genuine quote after hostile ones: %v", err)
	}
	if _, err := market.Accept(*q, reqKey); err != nil {
		t.Fatal(err)
	}
}
