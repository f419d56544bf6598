package reputation

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/verify"
)

// The book is what the scheduler and the requester take.
var (
	_ sched.ReputationSource = (*Book)(nil)
	_ interface {
		Attest(context.Context, Claim) error
	} = (*Book)(nil)
	_ Chain = settle.Settlement(nil)
	_ Store = (*store.Store)(nil)
)

// fakeChain is the part of a settlement a book reads.
type fakeChain struct {
	mu       sync.Mutex
	stakes   map[identity.Address]money.Amount
	used     map[[32]byte]bool
	reads    int
	fail     error
	disputes int
}

func newFakeChain() *fakeChain {
	return &fakeChain{stakes: map[identity.Address]money.Amount{}, used: map[[32]byte]bool{}}
}

func (c *fakeChain) StakeOf(_ context.Context, addr identity.Address) (settle.Stake, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	if c.fail != nil {
		return settle.Stake{}, c.fail
	}
	return settle.Stake{Amount: c.stakes[addr]}, nil
}

func (c *fakeChain) DisputeUsed(_ context.Context, id [32]byte) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.disputes++
	if c.fail != nil {
		return false, c.fail
	}
	return c.used[id], nil
}

func (c *fakeChain) stake(k *identity.Key, amount money.Amount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stakes[k.Address()] = amount
}

type fixture struct {
	t     *testing.T
	book  *Book
	chain *fakeChain
	key   *identity.Key
	now   time.Time
	sent  [][]byte
}

func newFixture(t *testing.T, st Store, key *identity.Key) *fixture {
	t.Helper()
	f := &fixture{t: t, chain: newFakeChain(), key: key, now: t0}
	if f.key == nil {
		f.key = newKey(t)
	}
	var err error
	f.book, err = New(context.Background(), Config{Key: f.key, Chain: f.chain, Store: st, Clock: func() time.Time { return f.now },
		Publish: func(b []byte) error { f.sent = append(f.sent, b); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// from gossips an attestation by attester into the book.
func (f *fixture) from(attester *identity.Key, c Claim) error {
	f.t.Helper()
	a, err := Sign(c, attester, f.now)
	if err != nil {
		f.t.Fatal(err)
	}
	body, _ := a.Encode()
	if err := f.book.Check(body); err != nil {
		return err
	}
	return f.book.Receive(body)
}

func (f *fixture) mustFrom(attester *identity.Key, c Claim) {
	f.t.Helper()
	if err := f.from(attester, c); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) refresh() {
	f.t.Helper()
	if err := f.book.Refresh(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) score(subject *identity.Key) float64 {
	s, _ := f.book.Reputation(subject.PeerID())
	return s
}

func claim(kind Kind, subject *identity.Key, exec string) Claim {
	c := Claim{Kind: kind, Subject: subject.PeerID(), JobID: "job-" + exec, ExecutionID: exec}
	if kind == KindDisputeLost {
		c.DisputeID = verify.DisputeID(c.JobID, subject.Address())
	}
	return c
}

func near(got, want float64) bool { return math.Abs(got-want) < 1e-9 }

func TestScoreRules(t *testing.T) {
	full := 100 * money.Unit
	tests := []struct {
		name string
		// run attests; keys[0] is the subject, the rest attesters.
		run  func(f *fixture, subject *identity.Key)
		want float64
	}{
		{"neutral start", func(f *fixture, s *identity.Key) {}, 0.5},
		{"own verified raises", func(f *fixture, s *identity.Key) {
			f.attest(claim(KindVerified, s, "e1"))
		}, 3.0 / 5},
		{"own lost lowers", func(f *fixture, s *identity.Key) {
			f.attest(claim(KindLost, s, "e1"))
		}, 2.0 / 5},
		{"own timelock-broken lowers", func(f *fixture, s *identity.Key) {
			f.attest(claim(KindTimeLockBroken, s, "e1"))
		}, 2.0 / 5},
		{"timelock-broken outweighs verified of the same execution", func(f *fixture, s *identity.Key) {
			f.attest(claim(KindVerified, s, "e1"))
			f.attest(claim(KindTimeLockBroken, s, "e1"))
		}, 2.0 / 5},
		{"fully staked attester's lost", func(f *fixture, s *identity.Key) {
			a := newKey(t)
			f.chain.stake(a, full)
			f.mustFrom(a, claim(KindLost, s, "e1"))
		}, 2.0 / 5},
		{"stake above full counts as full", func(f *fixture, s *identity.Key) {
			a := newKey(t)
			f.chain.stake(a, 50*full)
			f.mustFrom(a, claim(KindLost, s, "e1"))
		}, 2.0 / 5},
		{"half staked attester's lost", func(f *fixture, s *identity.Key) {
			a := newKey(t)
			f.chain.stake(a, full/2)
			f.mustFrom(a, claim(KindLost, s, "e1"))
		}, 2.0 / 4.5},
		{"unstaked attester's lost: floor weight", func(f *fixture, s *identity.Key) {
			f.mustFrom(newKey(t), claim(KindLost, s, "e1"))
		}, 2.0 / 4.1},
		{"unstaked attester's verified: floor weight", func(f *fixture, s *identity.Key) {
			f.mustFrom(newKey(t), claim(KindVerified, s, "e1"))
		}, 2.1 / 4.1},
		{"sybil swarm of 100 unstaked attesters: at most 1 together", func(f *fixture, s *identity.Key) {
			for i := range 100 {
				f.mustFrom(newKey(t), claim(KindLost, s, fmt.Sprint("e", i)))
			}
		}, 2.0 / 5},
		{"sybil swarm cannot lift past 0.6", func(f *fixture, s *identity.Key) {
			for i := range 100 {
				f.mustFrom(newKey(t), claim(KindVerified, s, fmt.Sprint("e", i)))
			}
		}, 3.0 / 5},
		{"one attester's executions count up to 10", func(f *fixture, s *identity.Key) {
			a := newKey(t)
			f.chain.stake(a, full)
			for i := range 30 {
				f.mustFrom(a, claim(KindVerified, s, fmt.Sprint("e", i)))
			}
		}, 12.0 / 14},
		{"verified and lost weigh alike", func(f *fixture, s *identity.Key) {
			f.attest(claim(KindVerified, s, "e1"))
			f.attest(claim(KindLost, s, "e2"))
		}, 3.0 / 6},
		{"the most severe per execution counts", func(f *fixture, s *identity.Key) {
			f.attest(claim(KindVerified, s, "e1"))
			f.attest(claim(KindLost, s, "e1"))
		}, 2.0 / 5},
		{"a dispute lost, not executed: a weighted negative", func(f *fixture, s *identity.Key) {
			f.attest(claim(KindVerified, s, "e1"))
			f.mustFrom(newKey(t), claim(KindDisputeLost, s, "e2"))
		}, 3.0 / 5.1},
		{"slashed: 0 whatever the history and the attester", func(f *fixture, s *identity.Key) {
			for i := range 10 {
				f.attest(claim(KindVerified, s, fmt.Sprint("e", i)))
			}
			c := claim(KindDisputeLost, s, "e99")
			f.chain.used[c.DisputeID] = true
			f.mustFrom(newKey(t), c) // unstaked: the chain is the proof
		}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil, nil)
			subject := newKey(t)
			tc.run(f, subject)
			f.refresh()
			got, known := f.book.Reputation(subject.PeerID())
			if !near(got, tc.want) {
				t.Fatalf("score %.4f, want %.4f", got, tc.want)
			}
			if wantKnown := tc.name != "neutral start"; known != wantKnown {
				t.Fatalf("known %v, want %v", known, wantKnown)
			}
		})
	}
}

func (f *fixture) attest(c Claim) {
	f.t.Helper()
	if err := f.book.Attest(context.Background(), c); err != nil {
		f.t.Fatal(err)
	}
}

func TestNoChainEveryOtherAttesterIsUnstaked(t *testing.T) {
	self, subject := newKey(t), newKey(t)
	b, err := New(context.Background(), Config{Key: self, Clock: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Sign(claim(KindLost, subject, "e1"), newKey(t), t0)
	body, _ := a.Encode()
	if err := b.Receive(body); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Reputation(subject.PeerID()); !near(got, 2/4.1) {
		t.Fatalf("score %v, want 2/4.1", got)
	}
	if err := b.Attest(context.Background(), claim(KindLost, subject, "e2")); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Reputation(subject.PeerID()); !near(got, 2/5.1) {
		t.Fatalf("score with this node's own lost %v, want 2/5.1", got)
	}
	c := claim(KindDisputeLost, subject, "e3")
	if err := b.Attest(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if s := b.Summary(subject.PeerID(), 10); s.Slashed || !near(s.Score, 2/6.1) || s.Count != 3 {
		t.Fatalf("without a chain a dispute is only a negative: %+v", s)
	}
}

func TestDuplicatesCountOnce(t *testing.T) {
	f := newFixture(t, nil, nil)
	subject, attester := newKey(t), newKey(t)
	f.chain.stake(attester, 100*money.Unit)
	a, _ := Sign(claim(KindLost, subject, "e1"), attester, t0)
	body, _ := a.Encode()
	for range 3 {
		if err := f.book.Check(body); err != nil {
			t.Fatal(err)
		}
		if err := f.book.Receive(body); err != nil {
			t.Fatalf("the same attestation again: %v", err)
		}
	}
	f.now = f.now.Add(time.Minute)
	if err := f.from(attester, claim(KindLost, subject, "e1")); !errors.Is(err, ErrConflict) {
		t.Fatalf("re-signed later: %v, want ErrConflict", err)
	}
	f.refresh()
	if s := f.book.Summary(subject.PeerID(), 10); s.Count != 1 || !near(s.Score, 2.0/5) {
		t.Fatalf("after duplicates: %+v", s)
	}

	// This node attesting the same claim twice publishes the same bytes.
	f.attest(claim(KindVerified, subject, "e7"))
	f.now = f.now.Add(time.Hour)
	f.attest(claim(KindVerified, subject, "e7"))
	if len(f.sent) != 2 || string(f.sent[0]) != string(f.sent[1]) {
		t.Fatalf("published %d messages, want the same one twice", len(f.sent))
	}
	if s := f.book.Summary(subject.PeerID(), 10); s.Count != 2 || len(s.Recent) != 2 || s.Recent[0].ExecutionID != "e7" {
		t.Fatalf("after attesting twice: %+v", s)
	}
}

func TestReceiveRefuses(t *testing.T) {
	f := newFixture(t, nil, nil)
	subject, attester := newKey(t), newKey(t)
	sign := func(c Claim, at time.Time) []byte {
		a, err := Sign(c, attester, at)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := a.Encode()
		return body
	}
	forged, _ := Sign(claim(KindLost, subject, "e1"), attester, t0)
	forged.Kind = KindVerified
	forgedBody, _ := forged.Encode()
	self := Attestation{Claim: claim(KindVerified, attester, "e1"), Attester: attester.PeerID(), AttesterAddress: attester.Address(), IssuedAt: t0}
	self.Signature, _ = attester.SignHash(self.Digest())
	selfBody, _ := self.Encode()
	tests := []struct {
		name string
		body []byte
		want error
	}{
		{"bad signature", forgedBody, ErrForged},
		{"issued beyond the skew", sign(claim(KindLost, subject, "e2"), t0.Add(MaxSkew+time.Second)), ErrFuture},
		{"about its attester", selfBody, ErrSelf},
		{"garbage", []byte(`{"kind":`), ErrMalformed},
	}
	for _, tc := range tests {
		if err := f.book.Check(tc.body); !errors.Is(err, tc.want) {
			t.Errorf("%s: Check %v, want %v", tc.name, err, tc.want)
		}
		if err := f.book.Receive(tc.body); !errors.Is(err, tc.want) {
			t.Errorf("%s: Receive %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, known := f.book.Reputation(subject.PeerID()); known {
		t.Fatal("a refused attestation was kept")
	}
	if _, known := f.book.Reputation(attester.PeerID()); known {
		t.Fatal("a self-attestation was kept")
	}
	if err := f.book.Attest(context.Background(), claim(KindLost, f.key, "e1")); !errors.Is(err, ErrSelf) {
		t.Fatalf("attesting about this node: %v", err)
	}
}

func TestQuotas(t *testing.T) {
	chain := newFakeChain()
	b, err := New(context.Background(), Config{Key: newKey(t), Chain: chain, Clock: func() time.Time { return t0 }, MaxPerAttester: 70, MaxAttestations: 100})
	if err != nil {
		t.Fatal(err)
	}
	attester, subject := newKey(t), newKey(t)
	put := func(who *identity.Key, about *identity.Key, i int) error {
		a, _ := Sign(claim(KindVerified, about, fmt.Sprint("e", i)), who, t0)
		body, _ := a.Encode()
		return b.Receive(body)
	}
	for i := range MaxPerPair {
		if err := put(attester, subject, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := put(attester, subject, 1000); !errors.Is(err, ErrQuota) {
		t.Fatalf("past MaxPerPair: %v", err)
	}
	other := newKey(t)
	for i := range 70 - MaxPerPair {
		if err := put(attester, other, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := put(attester, other, 1000); !errors.Is(err, ErrQuota) {
		t.Fatalf("past MaxPerAttester: %v", err)
	}
	for i := 0; ; i++ {
		err := put(newKey(t), subject, i)
		if errors.Is(err, ErrQuota) {
			break
		}
		if err != nil || i > 100 {
			t.Fatalf("past MaxAttestations: %v after %d", err, i)
		}
	}
	// This node's own are always kept.
	if err := b.Attest(context.Background(), claim(KindLost, subject, "mine")); err != nil {
		t.Fatal(err)
	}
}

func TestStakesAndDisputesAreReadInTheBackground(t *testing.T) {
	f := newFixture(t, nil, nil)
	subject, attester := newKey(t), newKey(t)
	f.chain.stake(attester, 100*money.Unit)
	f.mustFrom(attester, claim(KindLost, subject, "e1"))
	// Before the stake is read the attester weighs the floor.
	if got := f.score(subject); !near(got, 2/4.1) {
		t.Fatalf("before the stake is read: %v", got)
	}
	f.refresh()
	if got := f.score(subject); !near(got, 2.0/5) {
		t.Fatalf("after: %v", got)
	}
	reads := f.chain.reads
	f.refresh()
	if f.chain.reads != reads {
		t.Fatal("a stake read within the TTL was read again")
	}
	// The stake is withdrawn: after the TTL the attester weighs the floor again.
	f.chain.stake(attester, 0)
	f.now = f.now.Add(DefaultStakeTTL)
	f.refresh()
	if got := f.score(subject); !near(got, 2/4.1) {
		t.Fatalf("after the stake went: %v", got)
	}
	// A chain error keeps what was read.
	f.chain.stake(attester, 100*money.Unit)
	f.chain.fail = errors.New("rpc down")
	f.now = f.now.Add(DefaultStakeTTL)
	if err := f.book.Refresh(context.Background()); err == nil {
		t.Fatal("no error from a failing chain")
	}
	if got := f.score(subject); !near(got, 2/4.1) {
		t.Fatalf("after a failed read: %v", got)
	}
	f.chain.fail = nil

	// A dispute executed later (the slash confirmed after the attestation)
	// is found on a later read.
	c := claim(KindDisputeLost, subject, "e2")
	f.mustFrom(newKey(t), c)
	f.refresh()
	if s := f.book.Summary(subject.PeerID(), 0); s.Slashed {
		t.Fatal("slashed before the verdict was executed")
	}
	f.chain.used[c.DisputeID] = true
	f.now = f.now.Add(DefaultStakeTTL)
	f.refresh()
	if s := f.book.Summary(subject.PeerID(), 0); !s.Slashed || s.Score != 0 {
		t.Fatalf("after the verdict: %+v", s)
	}
	n := f.chain.disputes
	f.now = f.now.Add(10 * DefaultStakeTTL)
	f.refresh()
	if f.chain.disputes != n {
		t.Fatal("an executed dispute was read again")
	}
}

func TestAttestDisputeLostReadsTheChainAtOnce(t *testing.T) {
	f := newFixture(t, nil, nil)
	subject := newKey(t)
	for i := range 10 {
		f.attest(claim(KindVerified, subject, fmt.Sprint("e", i)))
	}
	c := claim(KindDisputeLost, subject, "e99")
	f.chain.used[c.DisputeID] = true
	f.attest(c)
	if got := f.score(subject); got != 0 {
		t.Fatalf("score right after attesting an executed dispute: %v", got)
	}
}

func TestBookSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "deco.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	self, subject, attester := newKey(t), newKey(t), newKey(t)
	f := newFixture(t, st, self)
	f.attest(claim(KindVerified, subject, "e1"))
	f.mustFrom(attester, claim(KindLost, subject, "e2"))
	want := f.score(subject)

	g := newFixture(t, st, self)
	if got := g.score(subject); !near(got, want) {
		t.Fatalf("after a restart %v, want %v", got, want)
	}
	if s := g.book.Summary(subject.PeerID(), 1); s.Count != 2 || len(s.Recent) != 1 || s.Recent[0].ExecutionID != "e2" {
		t.Fatalf("summary after a restart: %+v", s)
	}
	// What was kept is still known: the same bytes again are harmless,
	// a re-signed one a conflict.
	if err := g.from(attester, claim(KindLost, subject, "e2")); err != nil {
		t.Fatalf("the same attestation after a restart: %v", err)
	}
	g.now = g.now.Add(time.Second)
	if err := g.from(attester, claim(KindLost, subject, "e2")); !errors.Is(err, ErrConflict) {
		t.Fatalf("re-signed after a restart: %v", err)
	}
}

func TestScoreCacheIsInvalidated(t *testing.T) {
	f := newFixture(t, nil, nil)
	subject := newKey(t)
	f.attest(claim(KindVerified, subject, "e1"))
	first := f.score(subject)
	f.attest(claim(KindVerified, subject, "e2"))
	if second := f.score(subject); second <= first {
		t.Fatalf("score %v after a second verified, was %v", second, first)
	}
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, nil, nil)
	subjects := []*identity.Key{newKey(t), newKey(t), newKey(t)}
	var bodies [][]byte
	for i := range 30 {
		a, _ := Sign(claim(KindLost, subjects[i%3], fmt.Sprint("e", i)), newKey(t), t0)
		b, _ := a.Encode()
		bodies = append(bodies, b)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i, b := range bodies {
				if (i+w)%2 == 0 {
					_ = f.book.Receive(b)
				} else {
					_ = f.book.Check(b)
				}
				f.book.Reputation(subjects[i%3].PeerID())
			}
		})
	}
	wg.Go(func() { _ = f.book.Refresh(context.Background()) })
	wg.Wait()
	for _, s := range subjects {
		if got := f.book.Summary(s.PeerID(), 0); got.Count != 10 {
			t.Fatalf("held %d about a subject, want 10", got.Count)
		}
	}
}

func TestRunReadsOnArrival(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- f.book.Run(ctx) }()
	subject, attester := newKey(t), newKey(t)
	f.chain.stake(attester, 100*money.Unit)
	if err := f.from(attester, claim(KindLost, subject, "e1")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !near(f.score(subject), 2.0/5) {
		if time.Now().After(deadline) {
			t.Fatalf("the attester's stake was not read: score %v", f.score(subject))
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestNeutralIsTheSchedulersNeutral(t *testing.T) {
	if Neutral != sched.NeutralReputation {
		t.Fatalf("Neutral %v, sched.NeutralReputation %v", Neutral, sched.NeutralReputation)
	}
}
