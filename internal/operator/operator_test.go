package operator

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
)

func newKey(t testing.TB) *identity.Key {
	t.Helper()
	k, err := identity.Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCertVerifies(t *testing.T) {
	op, node, other := newKey(t), newKey(t), newKey(t)
	now := time.Now()
	c, err := Issue(op, node.PeerID(), now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Verify(node.PeerID(), now); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	back, err := DecodeCert(b)
	if err != nil || back.Verify(node.PeerID(), now) != nil {
		t.Fatalf("round trip: %v", err)
	}
	if err := c.Verify(other.PeerID(), now); err == nil {
		t.Fatal("a certificate verified for another node")
	}
	if err := c.Verify(node.PeerID(), now.Add(2*time.Hour)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	forged := c
	forged.Operator = other.Address()
	if err := forged.Verify(node.PeerID(), now); !errors.Is(err, ErrForged) {
		t.Fatalf("claimed operator: %v", err)
	}
	stretched := c
	stretched.Expires = c.Expires.Add(time.Hour)
	if err := stretched.Verify(node.PeerID(), now); !errors.Is(err, ErrForged) {
		t.Fatalf("stretched: %v", err)
	}
	if _, err := Issue(op, "not-a-peer", now, time.Hour); err == nil {
		t.Fatal("issued for a bad peer ID")
	}
	if _, err := DecodeCert(append(b, []byte(`{}`)...)); err == nil {
		t.Fatal("trailing data accepted")
	}
}

func testBody(t testing.TB, nodes []string, member identity.Address) Body {
	return Body{
		Groups: []Group{{Name: "lab-1", Members: []identity.Address{member}}},
		Specs:  []Spec{{Name: "4CPU-2GB", Resources: job.Resources{CPU: 4000, Memory: 2 << 30}, PricePerHour: money.Unit}},
		Pools:  []Pool{{Name: "gpu-a", Nodes: nodes, Groups: []string{"lab-1"}, Specs: []string{"4CPU-2GB"}}},
	}
}

func TestPolicySignVerifyAdmit(t *testing.T) {
	op, n1, member, stranger := newKey(t), newKey(t), newKey(t), newKey(t)
	p, err := Sign(op, testBody(t, []string{n1.PeerID()}, member.Address()), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodePolicy(b)
	if err != nil {
		t.Fatal(err)
	}
	pool := back.PoolOf(n1.PeerID())
	if pool == nil || pool.Name != "gpu-a" || back.PoolOf(member.PeerID()) != nil {
		t.Fatalf("pool of node: %+v", pool)
	}
	if err := back.Admit(pool, member.Address(), nil); err != nil {
		t.Fatal(err)
	}
	err = back.Admit(pool, stranger.Address(), nil)
	if err == nil || !strings.Contains(err.Error(), "pool gpu-a is for group lab-1; you ("+stranger.Address().String()+") are not a member") {
		t.Fatalf("stranger: %v", err)
	}
	if !back.Sells(n1.PeerID(), "4CPU-2GB") || back.Sells(n1.PeerID(), "other") || back.Spec("4CPU-2GB").PricePerHour != money.Unit {
		t.Fatal("specs")
	}
	// Any change to what was signed breaks the signature.
	for name, mutate := range map[string]func(*Policy){
		"member added":  func(p *Policy) { p.Groups[0].Members = append(p.Groups[0].Members, stranger.Address()) },
		"price lowered": func(p *Policy) { p.Specs[0].PricePerHour = 1 },
		"version":       func(p *Policy) { p.Version++ },
		"issued":        func(p *Policy) { p.IssuedAt = p.IssuedAt.Add(time.Second) },
		"operator":      func(p *Policy) { p.Operator = stranger.Address() },
	} {
		c, _ := DecodePolicy(b)
		mutate(c)
		if err := c.Verify(); !errors.Is(err, ErrForged) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestPolicyRefusesBadContents(t *testing.T) {
	op, n1 := newKey(t), newKey(t)
	for name, tc := range map[string]struct {
		body Body
		want string
	}{
		"unknown group": {Body{Pools: []Pool{{Name: "p", Nodes: []string{n1.PeerID()}, Groups: []string{"nope"}}}}, `no group "nope"`},
		"unknown spec":  {Body{Pools: []Pool{{Name: "p", Specs: []string{"nope"}}}}, `no spec "nope"`},
		"node twice": {Body{Pools: []Pool{{Name: "p", Nodes: []string{n1.PeerID()}}, {Name: "q", Nodes: []string{n1.PeerID()}}}},
			`already in pool "p"`},
		"bad node":       {Body{Pools: []Pool{{Name: "p", Nodes: []string{"x"}}}}, `"x"`},
		"bad name":       {Body{Pools: []Pool{{Name: "a b"}}}, "is not a name"},
		"empty spec":     {Body{Specs: []Spec{{Name: "s"}}}, "needs cpu and memory"},
		"negative price": {Body{Specs: []Spec{{Name: "s", Resources: job.Resources{CPU: 1, Memory: 1}, PricePerHour: -1}}}, "negative"},
		"duplicate spec": {Body{Specs: []Spec{{Name: "s", Resources: job.Resources{CPU: 1, Memory: 1}}, {Name: "s", Resources: job.Resources{CPU: 1, Memory: 1}}}}, "defined twice"},
	} {
		if _, err := Sign(op, tc.body, time.Now()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

func TestBookKeepsTheLatest(t *testing.T) {
	op, n1 := newKey(t), newKey(t)
	now := time.Now()
	old, _ := Sign(op, Body{}, now)
	newer, _ := Sign(op, Body{Pools: []Pool{{Name: "p", Nodes: []string{n1.PeerID()}}}}, now.Add(time.Second))
	b := NewBook()
	if !b.Put(newer) || b.Put(old) || b.Put(newer) {
		t.Fatal("put order")
	}
	if b.Policy(op.Address()) != newer || b.Version(op.Address()) != newer.Version || len(b.All()) != 1 {
		t.Fatal("book")
	}
}

func FuzzDecodePolicy(f *testing.F) {
	op, n1 := newKey(f), newKey(f)
	p, _ := Sign(op, testBody(f, []string{n1.PeerID()}, op.Address()), time.Now())
	b, _ := json.Marshal(p)
	f.Add(b)
	c, _ := Issue(op, n1.PeerID(), time.Now(), time.Hour)
	cb, _ := json.Marshal(c)
	f.Add(cb)
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := DecodePolicy(data); err == nil {
			if p.Verify() != nil {
				t.Fatal("decoded policy does not verify")
			}
		}
		if c, err := DecodeCert(data); err == nil {
			_ = c.Verify(c.Node, time.Now())
		}
	})
}

func TestStatementSumsMachineHoursBySeedRule(t *testing.T) {
	a, b := identity.Address{1}, identity.Address{2}
	day := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	recs := []Record{
		// Job j1: two replicas of spec s, 1.5 h and 0.5 h: 2 machine hours.
		{JobID: "j1", Requester: a, Spec: "s", End: day, RunMillis: 90 * 60 * 1000, Due: 3, Paid: 3},
		{JobID: "j1", Requester: a, Spec: "s", End: day, RunMillis: 30 * 60 * 1000, Due: 1, Paid: 1},
		{JobID: "j2", Requester: b, Spec: "1cpu-1GiB", End: day.Add(24 * time.Hour), RunMillis: 36 * 1000, Due: 5, Paid: 4},
	}
	lines, total, err := Statement(recs, ByJob)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[0].Key != "j1" || lines[0].MachineHours != 2 || lines[0].Executions != 2 || lines[0].Paid != 4 {
		t.Fatalf("by job: %+v", lines)
	}
	if total.MachineHours != 2.01 || total.Due != 9 || total.Paid != 8 || total.Executions != 3 {
		t.Fatalf("total %+v", total)
	}
	lines, _, _ = Statement(recs, ByDay)
	if len(lines) != 2 || lines[0].Key != "2026-12-01" || lines[1].Key != "2026-12-02" {
		t.Fatalf("by day: %+v", lines)
	}
	lines, _, _ = Statement(recs, ByRequester)
	if len(lines) != 2 || lines[0].Key != a.String() || lines[0].Due != 4 {
		t.Fatalf("by requester: %+v", lines)
	}
	if _, _, err := Statement(recs, "color"); err == nil {
		t.Fatal("unknown grouping accepted")
	}
}

// BenchmarkDecodePolicy1000: what each node spends checking a policy of
// 1,000 nodes when it arrives (gossip validates it once per hop).
func BenchmarkDecodePolicy1000(b *testing.B) {
	op := newKey(b)
	nodes := make([]string, 1000)
	for i := range nodes {
		nodes[i] = newKey(b).PeerID()
	}
	p, err := Sign(op, Body{Pools: []Pool{{Name: "farm", Nodes: nodes}}}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	data, _ := json.Marshal(p)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		if _, err := DecodePolicy(data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBillingRequestAndMerge(t *testing.T) {
	op, other := newKey(t), newKey(t)
	now := time.Now()
	r, err := SignBillingRequest(op, now.Add(-time.Hour), now, ByDay, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Verify(now); err != nil {
		t.Fatal(err)
	}
	if err := r.Verify(now.Add(2 * time.Minute)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	forged := r
	forged.Operator = other.Address()
	if err := forged.Verify(now); !errors.Is(err, ErrForged) {
		t.Fatalf("other operator: %v", err)
	}
	widened := r
	widened.From = r.From.Add(-time.Hour)
	if err := widened.Verify(now); !errors.Is(err, ErrForged) {
		t.Fatalf("widened window: %v", err)
	}
	if _, err := SignBillingRequest(op, now, now.Add(time.Hour), "color", now); err == nil {
		t.Fatal("bad grouping signed")
	}
	lines, total := Merge([]Line{{Key: "a", Executions: 1, MachineHours: 0.5, Due: 2, Paid: 2}},
		[]Line{{Key: "b", Executions: 2, MachineHours: 1, Due: 3, Paid: 1}, {Key: "a", Executions: 1, MachineHours: 0.25, Due: 1, Paid: 1}})
	if len(lines) != 2 || lines[0].Key != "a" || lines[0].Executions != 2 || lines[0].MachineHours != 0.75 || lines[0].Due != 3 ||
		total.Executions != 4 || total.Paid != 4 || total.MachineHours != 1.75 {
		t.Fatalf("merged %+v total %+v", lines, total)
	}
}

func TestGroupOfTokenHolders(t *testing.T) {
	op, n1, rich, poor := newKey(t), newKey(t), newKey(t), newKey(t)
	p, err := Sign(op, Body{
		Groups: []Group{{Name: "holders", MinBalance: 100 * money.Unit}},
		Pools:  []Pool{{Name: "p", Nodes: []string{n1.PeerID()}, Groups: []string{"holders"}}},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pool := p.PoolOf(n1.PeerID())
	if !p.NeedsBalance(pool) {
		t.Fatal("a group of holders needs balances")
	}
	balances := map[identity.Address]money.Amount{rich.Address(): 100 * money.Unit, poor.Address(): 99 * money.Unit}
	bal := func(a identity.Address) (money.Amount, bool) { v, ok := balances[a]; return v, ok }
	if err := p.Admit(pool, rich.Address(), bal); err != nil {
		t.Fatal(err)
	}
	err = p.Admit(pool, poor.Address(), bal)
	if err == nil || !strings.Contains(err.Error(), "holders of 100 DECO are members of holders") {
		t.Fatalf("poor: %v", err)
	}
	if err := p.Admit(pool, rich.Address(), nil); err == nil {
		t.Fatal("admitted by balance without reading one")
	}
	if _, err := Sign(op, Body{Groups: []Group{{Name: "g", MinBalance: -1}}}, time.Now()); err == nil {
		t.Fatal("negative balance rule signed")
	}
}
