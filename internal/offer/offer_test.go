package offer

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
)

func signed(t *testing.T, k *identity.Key, seq uint64, expires time.Time) Offer {
	t.Helper()
	o := Offer{Seq: seq, Free: job.Resources{CPU: 2000, Memory: 4 << 30}, Executors: []string{"docker"},
		Prices: Prices{CPUHour: money.Unit / 10}, IssuedAt: expires.Add(-time.Minute), Expires: expires}
	if err := o.Sign(k); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestVerify(t *testing.T) {
	k, _ := identity.Generate(nil)
	other, _ := identity.Generate(nil)
	now := time.Unix(1_800_000_000, 0)
	good := signed(t, k, 1, now.Add(time.Minute))

	tampered := good
	tampered.Free.CPU = 64000
	impostor := good
	impostor.Node = other.PeerID()
	resigned := signed(t, other, 1, now.Add(time.Minute))
	resigned.Node = k.PeerID() // claims to be k, signed by other

	tests := []struct {
		name string
		o    Offer
		want error
	}{
		{"good", good, nil},
		{"expired", good, ErrExpired},
		{"tampered figures", tampered, ErrForged},
		{"other node id", impostor, ErrForged},
		{"signed by another key", resigned, ErrForged},
		{"no signature", func() Offer { o := good; o.Signature = nil; return o }(), ErrForged},
		{"negative resources", func() Offer { o := good; o.Free.CPU = -1; return o }(), ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at := now
			if tc.name == "expired" {
				at = now.Add(2 * time.Minute)
			}
			err := tc.o.Verify(at)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCatalog(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	c := NewCatalog(clock)
	k, _ := identity.Generate(nil)
	if ok, err := c.Put(signed(t, k, 2, now.Add(time.Minute))); !ok || err != nil {
		t.Fatalf("put: %v %v", ok, err)
	}
	if ok, _ := c.Put(signed(t, k, 1, now.Add(time.Hour))); ok {
		t.Fatal("older seq replaced newer offer")
	}
	forged := signed(t, k, 3, now.Add(time.Minute))
	forged.Prices.CPUHour = 0
	if ok, err := c.Put(forged); ok || !errors.Is(err, ErrForged) {
		t.Fatalf("forged offer: %v %v", ok, err)
	}
	if got := c.List(); len(got) != 1 || got[0].Seq != 2 {
		t.Fatalf("list %+v", got)
	}
	// The held offer again (gossip and announce both bring it) changes
	// nothing; its signature over other content is still a forgery.
	held := c.List()[0]
	if ok, err := c.Put(held); ok || err != nil {
		t.Fatalf("the held offer again: %v %v", ok, err)
	}
	copied := held
	copied.Free.CPU *= 2
	if ok, err := c.Put(copied); ok || !errors.Is(err, ErrForged) {
		t.Fatalf("held signature on other content: %v %v", ok, err)
	}
	if err := c.Check(held); err != nil {
		t.Fatalf("Check of the held offer: %v", err)
	}
	if err := c.Check(copied); !errors.Is(err, ErrForged) {
		t.Fatalf("Check of a forged offer: %v", err)
	}
	own := signed(t, k, 4, now.Add(time.Minute))
	if err := c.Check(own); err != nil {
		t.Fatalf("Check of a good new offer: %v", err)
	}
	if c.List()[0].Seq != 2 {
		t.Fatal("Check kept the offer")
	}
	if !c.PutVerified(own) || c.List()[0].Seq != 4 {
		t.Fatalf("verified offer not kept: %+v", c.List())
	}
	now = now.Add(2 * time.Minute)
	if got := c.List(); len(got) != 0 {
		t.Fatal("expired offer listed")
	}
	if c.Len() != 0 {
		t.Fatal("expired offer not pruned")
	}
}

func TestPerHour(t *testing.T) {
	p := Prices{CPUHour: money.Unit, MemoryGiBHour: money.Unit / 10, GPUHour: 2 * money.Unit}
	r := job.Resources{CPU: 1500, Memory: 2 << 30, GPUs: 1}
	if got, want := p.PerHour(r), money.Amount(1_500_000+200_000+2_000_000); got != want {
		t.Fatalf("per hour %v, want %v", got, want)
	}
}

func TestDecodeIsStrict(t *testing.T) {
	k, _ := identity.Generate(nil)
	good := signed(t, k, 1, time.Unix(1_800_000_000, 0))
	b, err := json.Marshal(good)
	if err != nil {
		t.Fatal(err)
	}
	if o, err := Decode(b); err != nil || o.Seq != 1 {
		t.Fatalf("good offer: %+v, %v", o, err)
	}
	extra := append(bytes.TrimSuffix(b, []byte("}")), []byte(`,"bonus":1}`)...)
	for name, in := range map[string][]byte{"unknown field": extra, "trailing data": append(b, []byte(" {}")...), "not json": []byte("{")} {
		if _, err := Decode(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}
