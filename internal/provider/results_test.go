package provider

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	p2pcrypto "github.com/libp2p/go-libp2p/core/crypto"

	"github.com/deco-network/deco/internal/data"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/store"
)

func newHost(t *testing.T) (*identity.Key, *p2p.Host) {
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

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fetch asks holder for execution id's result from host h, unpacking it
// into a new directory; it returns the header's error or the digest.
func fetch(t *testing.T, h *p2p.Host, holder *p2p.Host, id string, g *market.ResultGrant) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Connect(ctx, holder.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	s, err := h.OpenStream(ctx, holder.ID(), p2p.ProtocolID(market.ProtoResult, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := p2p.WriteMsg(s, market.ResultRequest{ExecutionID: id, Grant: g}); err != nil {
		t.Fatal(err)
	}
	var hdr market.ResultHeader
	if err := p2p.ReadMsg(s, &hdr, market.MaxSmallMsg); err != nil {
		t.Fatal(err)
	}
	if hdr.Error != "" {
		return "", errors.New(hdr.Error)
	}
	if _, err := data.Unpack(ctx, s, filepath.Join(t.TempDir(), "out"), hdr.Digest, data.Limits{}); err != nil {
		return "", err
	}
	return hdr.Digest, nil
}

func TestResultGrantsAndRetention(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "deco.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	key, host := newHost(t)
	p, err := New(ctx, Config{Key: key, Host: host, Store: st, DataDir: dir, Clock: clock.now, ResultRetention: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	reqKey, reqHost := newHost(t)
	granteeKey, granteeHost := newHost(t)
	otherKey, otherHost := newHost(t)

	id := job.NewID()
	outputs := filepath.Join(p.execDir(id), "outputs")
	if err := os.MkdirAll(outputs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outputs, "w.bin"), []byte("weights"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, digest, err := data.Digest(outputs)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutExecution(ctx, store.Execution{ID: id, JobID: job.NewID(), Requester: reqKey.PeerID(), State: job.StateCompleted,
		ResultDigest: digest, CreatedAt: clock.now(), UpdatedAt: clock.now()}); err != nil {
		t.Fatal(err)
	}

	grant := func(signer *identity.Key, execution, grantee string) *market.ResultGrant {
		g, err := market.SignResultGrant(signer, "prev", execution, grantee)
		if err != nil {
			t.Fatal(err)
		}
		return &g
	}
	good := grant(reqKey, id, granteeKey.PeerID())
	tests := []struct {
		name    string
		host    *p2p.Host
		grant   *market.ResultGrant
		wantErr string
	}{
		{"requester", reqHost, nil, ""},
		{"grantee with grant", granteeHost, good, ""},
		{"grantee without grant", granteeHost, nil, "only the requester, or a peer it granted access"},
		{"someone else with the grantee's grant", otherHost, good, "the grant is for execution"},
		{"grant signed by someone else", otherHost, grant(granteeKey, id, otherKey.PeerID()), "not signed by the execution's requester"},
		{"grant for another execution", granteeHost, grant(reqKey, job.NewID(), granteeKey.PeerID()), "the grant is for execution"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fetch(t, tc.host, host, id, tc.grant)
			if tc.wantErr == "" {
				if err != nil || got != digest {
					t.Fatalf("got %s %v, want %s", got, err, digest)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want %q", err, tc.wantErr)
			}
		})
	}

	// Within retention nothing is collected; past it the outputs go, the
	// record says so and fetching answers why.
	clock.add(time.Hour)
	if n, err := p.CollectResults(ctx); err != nil || n != 0 {
		t.Fatalf("collected %d (%v) within retention", n, err)
	}
	if _, err := os.Stat(outputs); err != nil {
		t.Fatal("outputs removed within retention")
	}
	if err := st.PutUsageSample(ctx, store.UsageSample{Execution: id, JobID: "samples-of-" + id, At: clock.now(), CPUMillis: 5}); err != nil {
		t.Fatal(err)
	}
	clock.add(90 * time.Minute)
	if n, err := p.CollectResults(ctx); err != nil || n != 1 {
		t.Fatalf("collected %d (%v) past retention, want 1", n, err)
	}
	if _, err := os.Stat(outputs); !os.IsNotExist(err) {
		t.Fatal("outputs still there past retention")
	}
	if ss, err := st.UsageSamples(ctx, "samples-of-"+id); err != nil || len(ss) != 0 {
		t.Fatalf("usage samples after collection: %+v %v, want none", ss, err)
	}
	rec, err := st.GetExecution(ctx, id)
	if err != nil || rec.CollectedAt.IsZero() || rec.Error != "" || rec.ResultDigest != digest || rec.State != job.StateCompleted {
		t.Fatalf("record after collection: %+v %v", rec, err)
	}
	if n, err := p.CollectResults(ctx); err != nil || n != 0 {
		t.Fatalf("collected again: %d %v", n, err)
	}
	if _, err := fetch(t, reqHost, host, id, nil); err == nil || err.Error() != ErrResultCollected.Error() {
		t.Fatalf("fetch after collection: %v", err)
	}
}
