package verify

import (
	"crypto/rand"
	"errors"
	"math"
	"testing"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
)

func newKey(t *testing.T) *identity.Key {
	t.Helper()
	k, err := identity.Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCommitmentOpensOnlyForItsRunner(t *testing.T) {
	alice, bob := newKey(t), newKey(t)
	c, o, err := Commit(alice, "job", "exe-a", "sha256:aa")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(); err != nil {
		t.Fatalf("check: %v", err)
	}
	if err := c.Opens(o); err != nil {
		t.Fatalf("opens: %v", err)
	}
	if err := c.Opens(Opening{Digest: "sha256:bb", Salt: o.Salt}); !errors.Is(err, ErrBadOpening) {
		t.Fatalf("another digest opens it: %v", err)
	}
	// Bob copies Alice's commitment as his own: his signature over it is
	// valid, but it opens only to Alice's address, never to his.
	copied := c
	copied.Runner, copied.ExecutionID = bob.Address(), "exe-b"
	copied.Signature, _ = bob.SignHash(copied.digest())
	if err := copied.Check(); err != nil {
		t.Fatalf("bob's signature: %v", err)
	}
	if err := copied.Opens(o); !errors.Is(err, ErrBadOpening) {
		t.Fatalf("a copied commitment opens for its copier: %v", err)
	}
	// Presented unchanged under Bob's name it does not verify at all.
	forged := c
	forged.Runner = bob.Address()
	if err := forged.Check(); !errors.Is(err, ErrBadCommitment) {
		t.Fatalf("forged runner: %v", err)
	}
}

func TestReceiptSignature(t *testing.T) {
	k := newKey(t)
	r := Receipt{JobID: "j", ExecutionID: "e", ExitCode: -1, ResultDigest: "sha256:aa", Paid: 5 * money.Unit}
	if err := r.Sign(k); err != nil {
		t.Fatal(err)
	}
	if err := r.Check(); err != nil {
		t.Fatalf("check: %v", err)
	}
	r.Paid++
	if err := r.Check(); !errors.Is(err, ErrBadReceipt) {
		t.Fatalf("altered receipt: %v", err)
	}
}

func TestRankAndSampled(t *testing.T) {
	nodes := []string{"a", "b", "c", "d"}
	s1 := Seed([]byte{1}, []byte{2}, [32]byte{3}, 0)
	s2 := Seed([]byte{1}, []byte{2}, [32]byte{4}, 0)
	r1, r1again, r2 := Rank(s1, nodes), Rank(s1, nodes), Rank(s2, nodes)
	if len(r1) != 4 || nodes[0] != "a" {
		t.Fatalf("rank %v changed its input %v", r1, nodes)
	}
	for i := range r1 {
		if r1[i] != r1again[i] {
			t.Fatalf("rank is not a function of the seed: %v vs %v", r1, r1again)
		}
	}
	_ = r2 // another seed may give the same order (1 in 24): nothing to assert
	if Sampled(s1, 0) || !Sampled(s1, 1) {
		t.Fatal("p 0 must never sample and p 1 always")
	}
	// Over many seeds a spot check with p runs about p of the time.
	hits := 0
	for i := range 10000 {
		if Sampled(Seed([]byte{byte(i), byte(i >> 8)}, nil, [32]byte{}, 0), 0.25) {
			hits++
		}
	}
	if math.Abs(float64(hits)/10000-0.25) > 0.03 {
		t.Fatalf("spotcheck(0.25) sampled %d of 10000", hits)
	}
}

// TestTaskSeedsAndIDs: the tasks of one job draw their validators from
// seeds of their own, and their verifications go by names of their own,
// so a dispute over one task never names another.
func TestTaskSeedsAndIDs(t *testing.T) {
	s0 := Seed([]byte{1}, []byte{2}, [32]byte{3}, 0)
	s1 := Seed([]byte{1}, []byte{2}, [32]byte{3}, 1)
	if s0 == s1 {
		t.Fatal("two tasks with the same signatures and block share a seed")
	}
	if got := TaskID("job", 0, 1); got != "job" {
		t.Fatalf("a single-task job's verification is %q, want the job's ID", got)
	}
	a, b := TaskID("job", 0, 2), TaskID("job", 1, 2)
	if a != "job/task-0" || b != "job/task-1" {
		t.Fatalf("task IDs %q, %q", a, b)
	}
	k := newKey(t)
	if DisputeID(a, k.Address()) == DisputeID(b, k.Address()) {
		t.Fatal("one runner's disputes over two tasks of a job share an ID: one slash would spend both")
	}
	// A commitment to task 0 does not open as one to task 1.
	c, o, err := Commit(k, a, "exe", "sha256:aa")
	if err != nil {
		t.Fatal(err)
	}
	moved := c
	moved.JobID = b
	if err := moved.Opens(o); !errors.Is(err, ErrBadOpening) {
		t.Fatalf("task 0's commitment opens for task 1: %v", err)
	}
}

func TestSlashAmount(t *testing.T) {
	u := money.Unit
	for _, tc := range []struct {
		max        money.Amount
		p          float64
		min, stake money.Amount
		want       money.Amount
	}{
		{2 * u, 1, 0, 100 * u, 2 * u},       // replicate: the deal's max
		{2 * u, 1, 10 * u, 100 * u, 10 * u}, // at least the minimum
		{2 * u, 0.5, 0, 100 * u, 4 * u},     // 2·2·(0.5/0.5)
		{2 * u, 0.1, 0, 100 * u, 36 * u},    // 2·2·9
		{2 * u, 0.01, 0, 100 * u, 100 * u},  // capped by the stake
	} {
		if got := SlashAmount(tc.max, tc.p, tc.min, tc.stake); got != tc.want {
			t.Errorf("SlashAmount(%s, %g, %s, %s) = %s, want %s", tc.max, tc.p, tc.min, tc.stake, got, tc.want)
		}
		// Cheating must not pay: expected loss p·slash above the saving (1-p)·max.
		if got := SlashAmount(tc.max, tc.p, tc.min, tc.stake); got < tc.stake && tc.p*float64(got) <= (1-tc.p)*float64(tc.max) {
			t.Errorf("p=%g: slash %s does not make cheating a loss", tc.p, got)
		}
	}
}

func TestDecide(t *testing.T) {
	p := func(d string) Run { return Run{Node: "p", Digest: d} }
	v := func(n, d string) Run { return Run{Node: n, Validator: true, Digest: d} }
	for _, tc := range []struct {
		name   string
		runs   []Run
		quorum int
		wanted int
		want   Outcome
	}{
		{"all agree", []Run{p("A"), v("1", "A"), v("2", "A")}, 2, 2, Outcome{Digest: "A"}},
		{"no validator wanted (spotcheck not drawn)", []Run{p("A")}, 2, 0, Outcome{Digest: "A"}},
		{"the only validator copied", []Run{p("A"), {Node: "1", Validator: true, Invalid: "copied"}}, 2, 1, Outcome{More: 1}},
		{"one of two validators failed", []Run{p("A"), v("1", "A")}, 2, 2, Outcome{More: 1}},
		{"cheating provider, quorum of validators", []Run{p("X"), v("1", "A"), v("2", "A")}, 2, 2,
			Outcome{Digest: "A", Disputed: true, Quorum: []int{1, 2}, Losers: []int{0}}},
		{"one validator disagrees: more needed", []Run{p("A"), v("1", "X")}, 2, 1, Outcome{Disputed: true, More: 1}},
		{"lying validator outvoted", []Run{p("A"), v("1", "X"), v("2", "A"), v("3", "A")}, 2, 3,
			Outcome{Digest: "A", Disputed: true, Quorum: []int{2, 3}, Losers: []int{1}}},
		{"provider never counts to a quorum", []Run{p("A"), v("1", "X"), v("2", "A")}, 2, 2, Outcome{Disputed: true, More: 1}},
	} {
		got := Decide(tc.runs, tc.quorum, tc.wanted)
		if got.Digest != tc.want.Digest || got.Disputed != tc.want.Disputed || got.More != tc.want.More ||
			!equal(got.Quorum, tc.want.Quorum) || !equal(got.Losers, tc.want.Losers) {
			t.Errorf("%s: Decide = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
