package offer

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
)

func TestLabelsPoolAllowListAndPeersAreSigned(t *testing.T) {
	k, _ := identity.Generate(nil)
	now := time.Unix(1_800_000_000, 0)
	o := Offer{Seq: 1, Executors: []string{"docker"}, Labels: map[string]string{"tier": "gold"}, Pool: "farm-a",
		AllowedRequesters: []string{"req-1"}, Peers: []PeerRTT{{Node: "peer-1", Micros: 180}}, IssuedAt: now, Expires: now.Add(time.Minute)}
	if err := o.Sign(k); err != nil {
		t.Fatal(err)
	}
	if err := o.Verify(now); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mutate func(o *Offer)
		want   error
	}{
		{"label changed", func(o *Offer) { o.Labels = map[string]string{"tier": "platinum"} }, ErrForged},
		{"pool changed", func(o *Offer) { o.Pool = "farm-b" }, ErrForged},
		{"allow-list dropped", func(o *Offer) { o.AllowedRequesters = nil }, ErrForged},
		{"round-trip time changed", func(o *Offer) { o.Peers = []PeerRTT{{Node: "peer-1", Micros: 90}} }, ErrForged},
		{"round-trip time not positive", func(o *Offer) { o.Peers = []PeerRTT{{Node: "peer-1"}} }, ErrMalformed},
		{"too many peers", func(o *Offer) { o.Peers = make([]PeerRTT, MaxPeers+1) }, ErrMalformed},
		{"too many labels", func(o *Offer) {
			o.Labels = map[string]string{}
			for i := range MaxLabels + 1 {
				o.Labels[fmt.Sprint(i)] = "x"
			}
		}, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := o
			tc.mutate(&c)
			if err := c.Verify(now); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAdmits(t *testing.T) {
	tests := []struct {
		name      string
		allowed   []string
		requester string
		want      bool
	}{
		{"open", nil, "anyone", true},
		{"listed", []string{"a", "b"}, "b", true},
		{"not listed", []string{"a", "b"}, "c", false},
		{"anonymous refused", []string{"a"}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := Offer{AllowedRequesters: tc.allowed}
			if got := o.Admits(tc.requester); got != tc.want {
				t.Fatalf("Admits(%q) = %v", tc.requester, got)
			}
		})
	}
}
