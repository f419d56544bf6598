package sched

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/offer"
)

func gangSpec(tasks int) job.Spec {
	s := spec(1000, 1<<30)
	s.Tasks = tasks
	return s
}

func placeGang(t *testing.T, s *Scheduler, sp job.Spec, offers []offer.Offer) (Report, error) {
	t.Helper()
	return s.PlaceGang(NewRequest(sp, ""), offers, sp.TaskCount())
}

func TestGangDistinctFirst(t *testing.T) {
	offers := []offer.Offer{mkOffer("a", 4000, 8<<30, 1), mkOffer("b", 4000, 8<<30, 2), mkOffer("c", 4000, 8<<30, 3)}
	rep, err := placeGang(t, Default(), gangSpec(3), offers)
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Clone(rep.Gang.Slots)
	slices.Sort(got)
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("slots = %v, want one task on each of a, b, c", rep.Gang.Slots)
	}
	if rep.Chosen != rep.Gang.Slots[0] || len(rep.Gang.Sets) != 1 || !rep.Gang.Sets[0].Chosen {
		t.Fatalf("report = %+v", rep.Gang)
	}
}

func TestGangSeveralPerNode(t *testing.T) {
	// Each node holds two tasks (2 cores, 1 core a task): four tasks fill both.
	offers := []offer.Offer{mkOffer("a", 2000, 8<<30, 1), mkOffer("b", 2000, 8<<30, 1)}
	rep, err := placeGang(t, Default(), gangSpec(4), offers)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rep.Gang.Slots); n != 4 {
		t.Fatalf("slots = %v", rep.Gang.Slots)
	}
	count := map[string]int{}
	for _, s := range rep.Gang.Slots {
		count[s]++
	}
	if count["a"] != 2 || count["b"] != 2 {
		t.Fatalf("slots = %v, want two on each", rep.Gang.Slots)
	}
	// The same job forbidding several tasks per provider can never fit.
	sp := gangSpec(4)
	sp.Constraints.Group.DistinctProviders = true
	rep, err = placeGang(t, Default(), sp, offers)
	var nf *NoFitError
	if !errors.As(err, &nf) || rep.CanWait() {
		t.Fatalf("distinct providers: err %v, wait %v; want a permanent refusal", err, rep.CanWait())
	}
	if !strings.Contains(err.Error(), "holds 2 of the 4 tasks now") {
		t.Fatalf("error %q does not say what the set holds", err)
	}
}

func TestGangWaitsForBusyNodes(t *testing.T) {
	busy := mkOffer("c", 4000, 8<<30, 1)
	busy.Free.CPU = 0
	offers := []offer.Offer{mkOffer("a", 1000, 8<<30, 1), mkOffer("b", 1000, 8<<30, 1), busy}
	rep, err := placeGang(t, Default(), gangSpec(3), offers)
	if err == nil || !rep.CanWait() {
		t.Fatalf("err %v, wait %v: want a refusal now that can wait", err, rep.CanWait())
	}
	// Six tasks never fit: two nodes of one task and one of four.
	rep, err = placeGang(t, Default(), gangSpec(7), offers)
	if err == nil || rep.CanWait() {
		t.Fatalf("err %v, wait %v: want a permanent refusal", err, rep.CanWait())
	}
}

func TestGangSameRegion(t *testing.T) {
	eu1, eu2, us := mkOffer("eu1", 1000, 8<<30, 5), mkOffer("eu2", 1000, 8<<30, 5), mkOffer("us", 8000, 8<<30, 1)
	eu1.Region, eu2.Region, us.Region = "eu", "eu", "us"
	sp := gangSpec(2)
	sp.Constraints.Group.SameRegion = true
	rep, err := placeGang(t, Default(), sp, []offer.Offer{eu1, eu2, us})
	if err != nil {
		t.Fatal(err)
	}
	// us is cheapest and holds both tasks alone; it ranks first.
	if !slices.Equal(rep.Gang.Slots, []string{"us", "us"}) {
		t.Fatalf("slots = %v, want both on us", rep.Gang.Slots)
	}
	sp.Constraints.Group.DistinctProviders = true
	rep, err = placeGang(t, Default(), sp, []offer.Offer{eu1, eu2, us})
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(slices.Values(rep.Gang.Slots))
	if !slices.Equal(got, []string{"eu1", "eu2"}) {
		t.Fatalf("slots = %v, want eu1 and eu2", rep.Gang.Slots)
	}
	var why string
	for _, st := range rep.Gang.Sets {
		if st.Group == "region=us" {
			why = st.Reason
		}
	}
	if why != "holds 1 of the 2 tasks now" {
		t.Fatalf("sets = %+v, want the us set's reason", rep.Gang.Sets)
	}
}

func TestGangSameGPUModel(t *testing.T) {
	gpuOffer := func(node, model string) offer.Offer {
		o := mkOffer(node, 8000, 32<<30, 1)
		o.Free.GPUs, o.Total.GPUs = 1, 1
		o.GPUs = []offer.GPU{{Vendor: "nvidia", Model: model, VRAM: 80 << 30}}
		return o
	}
	sp := gangSpec(2)
	sp.Resources.GPUs = 1
	sp.Constraints.Group.SameGPUModel = true
	offers := []offer.Offer{gpuOffer("a", "A100"), gpuOffer("b", "H100"), gpuOffer("c", "H100")}
	rep, err := placeGang(t, Default(), sp, offers)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(slices.Values(rep.Gang.Slots)); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("slots = %v, want the two H100 nodes", rep.Gang.Slots)
	}
}

func TestGangMaxRTT(t *testing.T) {
	s, err := NewFromConfig(Config{}, nil, fakeRTT{"near": 5 * time.Millisecond, "far": 80 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	offers := []offer.Offer{mkOffer("near", 1000, 8<<30, 1), mkOffer("far", 1000, 8<<30, 1), mkOffer("unknown", 1000, 8<<30, 1)}
	sp := gangSpec(2)
	sp.Constraints.Group.MaxRTT = job.Duration(20 * time.Millisecond)
	_, err = placeGang(t, s, sp, offers)
	if err == nil || !strings.Contains(err.Error(), "round-trip time unknown or above maxRTT") {
		t.Fatalf("err = %v, want the far and unknown nodes left out", err)
	}
	sp.Tasks = 1
	rep, err := s.PlaceGang(NewRequest(sp, ""), offers, 1)
	if err != nil || !slices.Equal(rep.Gang.Slots, []string{"near"}) {
		t.Fatalf("one task: %v %v", rep.Gang, err)
	}
}

// TestGangMaxRTTBetweenProviders: with maxRTT the tasks go to providers
// within it of each other as their offers state, not only of the
// requester; a pair nobody measured does not count as near.
func TestGangMaxRTTBetweenProviders(t *testing.T) {
	s, err := NewFromConfig(Config{}, nil, fakeRTT{"a": time.Millisecond, "b": 2 * time.Millisecond, "c": 3 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rtt := func(node string, ms int64) offer.PeerRTT { return offer.PeerRTT{Node: node, Micros: ms * 1000} }
	a, b, c := mkOffer("a", 1000, 8<<30, 1), mkOffer("b", 1000, 8<<30, 1), mkOffer("c", 1000, 8<<30, 1)
	a.Peers = []offer.PeerRTT{rtt("c", 4), rtt("b", 50)} // a and b are far apart
	c.Peers = []offer.PeerRTT{rtt("a", 6)}               // b and c: measured by neither
	sp := gangSpec(2)
	sp.Constraints.Group.MaxRTT = job.Duration(20 * time.Millisecond)
	rep, err := s.PlaceGang(NewRequest(sp, ""), []offer.Offer{a, b, c}, 2)
	if err != nil || !slices.Equal(rep.Gang.Slots, []string{"a", "c"}) {
		t.Fatalf("slots %v (%v), want a and c: a to b is 50 ms", rep.Gang, err)
	}
	sp.Tasks = 3
	rep, err = s.PlaceGang(NewRequest(sp, ""), []offer.Offer{a, b, c}, 3)
	if err == nil || len(rep.Gang.Sets) == 0 || !strings.Contains(rep.Gang.Sets[0].Reason, "within maxRTT (20ms) of each other") {
		t.Fatalf("three tasks: %+v (%v), want no set: b is near neither a nor c", rep.Gang, err)
	}
	// Without maxRTT the providers' distance does not matter.
	sp.Constraints.Group.MaxRTT = 0
	if _, err := s.PlaceGang(NewRequest(sp, ""), []offer.Offer{a, b, c}, 3); err != nil {
		t.Fatal(err)
	}
}

func TestGangNothingFeasible(t *testing.T) {
	rep, err := placeGang(t, Default(), gangSpec(2), []offer.Offer{mkOffer("tiny", 100, 8<<30, 1)})
	var nf *NoFitError
	if !errors.As(err, &nf) || rep.Gang == nil || rep.Gang.Tasks != 2 || rep.CanWait() {
		t.Fatalf("err %v gang %+v", err, rep.Gang)
	}
}

// TestGangLargeCatalog: in a compact report every node that may take a
// task is still ranked, so 64 tasks fill 64 of 1,000 nodes.
func TestGangLargeCatalog(t *testing.T) {
	offers := make([]offer.Offer, 1000)
	for i := range offers {
		offers[i] = mkOffer(string(rune('a'+i%26))+strings.Repeat("x", i/26)+string(rune('0'+i%10)), 1000, 8<<30, 1)
	}
	rep, err := placeGang(t, Default(), gangSpec(64), offers)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range rep.Gang.Slots {
		seen[s] = true
	}
	if len(rep.Gang.Slots) != 64 || len(seen) != 64 {
		t.Fatalf("%d slots on %d nodes", len(rep.Gang.Slots), len(seen))
	}
}

// TestGangLinksNeedTheCapability: no provider of this build creates job
// networks, so a linked job is refused by every one, for good.
func TestGangLinksNeedTheCapability(t *testing.T) {
	sp := gangSpec(2)
	sp.Network.Links = true
	offers := []offer.Offer{mkOffer("a", 4000, 8<<30, 1), mkOffer("b", 4000, 8<<30, 1)}
	rep, err := placeGang(t, Default(), sp, offers)
	if err == nil || rep.CanWait() || !strings.Contains(err.Error(), "cannot create job networks") {
		t.Fatalf("err %v, wait %v", err, rep.CanWait())
	}
	offers[0].Links, offers[1].Links = true, true
	if _, err := placeGang(t, Default(), sp, offers); err != nil {
		t.Fatalf("providers with links: %v", err)
	}
}
