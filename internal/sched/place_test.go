package sched

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
)

func byNode(rep Report) map[string]NodeReport {
	m := map[string]NodeReport{}
	for _, n := range rep.Nodes {
		m[n.Node] = n
	}
	return m
}

func TestPlacePicksCheapestAndReportsEveryNode(t *testing.T) {
	offers := []offer.Offer{
		mkOffer("dear", 8000, 8<<30, 3*money.Unit),
		mkOffer("cheap", 8000, 8<<30, money.Unit),
		mkOffer("small", 500, 8<<30, 0),
	}
	offers[2].Total.CPU = 8000
	rep, err := Default().Place(spec(1000, 1<<30), offers)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Chosen != "cheap" || rep.Considered != 3 || rep.Feasible != 2 || rep.Compact {
		t.Fatalf("report %+v", rep)
	}
	if len(rep.Nodes) != 3 || rep.Nodes[0].Node != "cheap" || rep.Nodes[1].Node != "dear" || rep.Nodes[2].Node != "small" {
		t.Fatalf("order %+v", rep.Nodes)
	}
	n := byNode(rep)
	small := n["small"]
	if small.Feasible || small.Filter != "resources" || small.Code != "does not fit now" || small.Reason != "cpu: needs 1 cores, 0.5 cores free" {
		t.Fatalf("small: %+v", small)
	}
	w := DefaultWeights()
	cheap, dear := n["cheap"], n["dear"]
	if cheap.Scores["price"] != 100 || dear.Scores["price"] != 0 || cheap.Scores["reputation"] != 50 || cheap.Scores["latency"] != 50 {
		t.Fatalf("scores %+v %+v", cheap.Scores, dear.Scores)
	}
	wantCheap := 100*w["price"] + 50*w["reputation"] + cheap.Scores["free"]*w["free"] + 50*w["latency"]
	if !near(cheap.Score, wantCheap) {
		t.Fatalf("cheap total %v, want %v", cheap.Score, wantCheap)
	}
	if g := rep.Rejected; len(g) != 1 || g[0].Filter != "resources" || g[0].Code != "does not fit now" || g[0].Reason != "not enough free cpu" || g[0].Count != 1 || g[0].Nodes != nil {
		t.Fatalf("rejected %+v", rep.Rejected)
	}
	if rep.Weights["price"] != 1 {
		t.Fatalf("weights %v", rep.Weights)
	}
}

func TestPlaceUsesConstraintsSourcesAndWeights(t *testing.T) {
	mk := func(node, region, pool string, labels map[string]string, price money.Amount) offer.Offer {
		o := mkOffer(node, 8000, 8<<30, price)
		o.Region, o.Pool, o.Labels = region, pool, labels
		return o
	}
	offers := []offer.Offer{
		mk("us", "us-east", "farm", nil, 0),
		mk("allow-b", "eu-west", "", nil, 0),
		mk("silver", "eu-west", "farm", map[string]string{"tier": "silver"}, 0),
		mk("shady", "eu-west", "farm", map[string]string{"tier": "gold"}, 0),
		mk("gold-far", "eu-west", "farm", map[string]string{"tier": "gold"}, money.Unit),
		mk("gold-near", "eu-west", "farm", map[string]string{"tier": "gold"}, 2*money.Unit),
	}
	sp := spec(1000, 1<<30)
	sp.Constraints = job.Constraints{Regions: []string{"eu-west"}, NotLabels: map[string]string{"x": "y"}, Providers: []string{"us", "silver", "shady", "gold-far", "gold-near"}, Labels: map[string]string{"tier": "gold"}, MinReputation: 0.5}
	rep := fakeReputation{"shady": 0.1, "gold-far": 0.9, "gold-near": 0.9}
	rtt := fakeRTT{"gold-far": 900 * LatencyRef, "gold-near": 0}

	// Price alone picks the cheaper, far node.
	s, err := NewFromConfig(Config{Weights: map[string]float64{"reputation": 0, "free": 0, "latency": 0}}, rep, rtt, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.PlaceRequest(NewRequest(sp, "me"), offers)
	if err != nil {
		t.Fatal(err)
	}
	if r.Chosen != "gold-far" || r.Feasible != 2 {
		t.Fatalf("price only: %+v", r)
	}
	want := map[string]string{"us": "region", "allow-b": "pool", "silver": "labels", "shady": "reputation"}
	for node, filter := range want {
		if got := byNode(r)[node]; got.Feasible || got.Filter != filter {
			t.Fatalf("%s: %+v, want rejected by %s", node, got, filter)
		}
	}
	if _, ok := byNode(r)["gold-far"].Scores["latency"]; ok || len(r.Weights) != 1 {
		t.Fatalf("a zero weight must turn the scorer off: %+v", r)
	}
	// Latency weighted above price picks the near node.
	s, err = NewFromConfig(Config{Weights: map[string]float64{"latency": 5}}, rep, rtt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r, err = s.PlaceRequest(NewRequest(sp, "me"), offers); err != nil || r.Chosen != "gold-near" {
		t.Fatalf("latency heavy: %v %+v", err, r)
	}
}

func TestNewFromConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown scorer", Config{Weights: map[string]float64{"speed": 1}}, `weight "speed": unknown scorer (known: free, latency, price, reputation)`},
		{"negative weight", Config{Weights: map[string]float64{"price": -1}}, `weight "price": must be between 0 and 1e6`},
		{"negative sizes", Config{TopN: -1}, "must not be negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewFromConfig(tc.cfg, nil, nil, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestPlaceNoFitListsReasons(t *testing.T) {
	_, err := Default().Place(spec(64000, 1<<30), []offer.Offer{mkOffer("a", 8000, 8<<30, 0), mkOffer("b", 4000, 8<<30, 0)})
	var nf *NoFitError
	if !errors.As(err, &nf) || !errors.Is(err, ErrNoFit) {
		t.Fatalf("err %v", err)
	}
	for _, want := range []string{"2 offers considered", "a: cpu: needs 64 cores, 8 cores free, 8 cores in total", "b: cpu: needs 64 cores, 4 cores free"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q lacks %q", err, want)
		}
	}
	_, err = Default().Place(spec(1000, 1<<30), nil)
	if !strings.Contains(err.Error(), "no offers known yet") {
		t.Fatalf("empty catalog: %v", err)
	}
}

// TestCompactReport checks that a catalog above the full-report size keeps
// the best nodes in full and still names every rejected node with its
// reason.
func TestCompactReport(t *testing.T) {
	s, err := NewFromConfig(Config{FullReport: 10, TopN: 3, Weights: map[string]float64{"free": 0, "reputation": 0, "latency": 0}}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var offers []offer.Offer
	for i := range 40 {
		o := mkOffer(fmt.Sprintf("n%02d", i), 8000, 8<<30, money.Amount(100+i))
		switch i % 4 {
		case 1:
			o.Free.CPU = 500
		case 2:
			o.Executors = []string{"wasm"}
		}
		offers = append(offers, o)
	}
	rep, err := s.Place(spec(1000, 1<<30), offers)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Compact || rep.Feasible != 20 || len(rep.Nodes) != 3 || rep.Chosen != "n00" {
		t.Fatalf("report %+v", rep)
	}
	if rep.Nodes[0].Node != "n00" || rep.Nodes[1].Node != "n03" || rep.Nodes[2].Node != "n04" || rep.Nodes[0].Scores["price"] != 100 {
		t.Fatalf("top nodes %+v", rep.Nodes)
	}
	named := map[string]string{}
	for _, g := range rep.Rejected {
		if g.Count != len(g.Nodes) {
			t.Fatalf("group %+v count mismatch", g)
		}
		for _, n := range g.Nodes {
			named[n] = g.Filter + ": " + g.Reason
		}
	}
	for i := range 40 {
		node := fmt.Sprintf("n%02d", i)
		want := map[int]string{1: "resources: not enough free cpu", 2: "executor: does not run the docker executor"}[i%4]
		if named[node] != want {
			t.Fatalf("%s reported as %q, want %q", node, named[node], want)
		}
	}
	// The report round-trips through JSON (the requester stores it so).
	b, _ := json.Marshal(rep)
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || back.Chosen != "n00" || len(back.Rejected) != 2 || len(back.Rejected[0].Nodes) != 10 {
		t.Fatalf("json %v %s", err, b)
	}
	// A compact failure summarises by reason.
	_, err = s.Place(spec(64000, 1<<30), offers)
	if err == nil || !strings.Contains(err.Error(), "nodes: resources (can never fit): cpu request larger than the provider's whole share") {
		t.Fatalf("compact no-fit: %v", err)
	}
}

// countingRTT counts the lookups made in a fakeRTT.
type countingRTT struct {
	fakeRTT
	n *int
}

func (c countingRTT) RTT(node string) (time.Duration, bool) { *c.n++; return c.fakeRTT.RTT(node) }

// TestPlaceTopNMatchesFullSort checks the top-N selection, with the
// source-backed scorers run lazily, against a full ranking of the same
// offers, ties broken by node ID; and that the lazy ranking asks the
// latency source about fewer nodes.
func TestPlaceTopNMatchesFullSort(t *testing.T) {
	var offers []offer.Offer
	rep, rtt := fakeReputation{}, fakeRTT{}
	for i := range 2000 {
		node := fmt.Sprintf("n%04d", (i*7919)%2000)
		offers = append(offers, mkOffer(node, 8000, 8<<30, money.Amount((i*31)%97)))
		if i%3 == 0 {
			rep[node] = float64(i%11) / 10
		}
		if i%2 == 0 {
			rtt[node] = time.Duration(i%13) * 10 * time.Millisecond
		}
	}
	var fullLookups, lazyLookups int
	full, err := NewFromConfig(Config{FullReport: 5000}, rep, countingRTT{rtt, &fullLookups}, nil)
	if err != nil {
		t.Fatal(err)
	}
	compact, err := NewFromConfig(Config{FullReport: 10, TopN: 25}, rep, countingRTT{rtt, &lazyLookups}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err1 := full.Place(spec(1000, 1<<30), offers)
	b, err2 := compact.Place(spec(1000, 1<<30), offers)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if len(b.Nodes) != 25 {
		t.Fatalf("%d nodes in the compact report", len(b.Nodes))
	}
	for i := range b.Nodes {
		if a.Nodes[i].Node != b.Nodes[i].Node || !near(a.Nodes[i].Score, b.Nodes[i].Score) {
			t.Fatalf("rank %d: full %+v, top-N %+v", i, a.Nodes[i], b.Nodes[i])
		}
		for name, v := range a.Nodes[i].Scores {
			if !near(b.Nodes[i].Scores[name], v) {
				t.Fatalf("rank %d %s: full %v, lazy %v", i, name, v, b.Nodes[i].Scores[name])
			}
		}
	}
	if a.Chosen != b.Chosen {
		t.Fatalf("chosen %s vs %s", a.Chosen, b.Chosen)
	}
	if fullLookups != 2000 || lazyLookups >= fullLookups/2 {
		t.Fatalf("latency lookups: full %d, lazy %d", fullLookups, lazyLookups)
	}
	t.Logf("latency lookups: %d of %d", lazyLookups, fullLookups)
}

// preFailer is a plugin whose pre-filter refuses every job.
type preFailer struct{ ExecutorFilter }

func (preFailer) PreFilter(*Request) error { return errors.New("refused") }

func TestPreFilterError(t *testing.T) {
	s := New([]Filter{preFailer{}}, nil)
	if _, err := s.Place(spec(1000, 1<<30), []offer.Offer{mkOffer("a", 8000, 8<<30, 0)}); err == nil || !strings.Contains(err.Error(), "pre-filter: refused") {
		t.Fatalf("err %v", err)
	}
}

// TestParallelPassSameReport checks that splitting a large catalog among
// goroutines gives exactly the report of a single pass.
func TestParallelPassSameReport(t *testing.T) {
	offers, rep, rtt := benchCatalog(3*minChunk + 17)
	var reports [2][]byte
	for i, par := range []int{1, 4} {
		s, err := NewFromConfig(Config{Parallelism: par}, rep, rtt, nil)
		if err != nil {
			t.Fatal(err)
		}
		if w := s.shards(len(offers)); (par == 1) != (w == 1) {
			t.Fatalf("parallelism %d gave %d shards", par, w)
		}
		r, err := s.PlaceRequest(NewRequest(benchSpec(), "me"), offers)
		if err != nil {
			t.Fatal(err)
		}
		if r.Feasible == 0 || len(r.Rejected) < 3 {
			t.Fatalf("catalog not mixed enough: %d feasible, %d groups", r.Feasible, len(r.Rejected))
		}
		reports[i], _ = json.Marshal(r)
	}
	if string(reports[0]) != string(reports[1]) {
		t.Fatal("parallel pass report differs from the single pass")
	}
}

// TestReportCanWait checks that a failed placement may wait exactly when
// some node is only busy, for catalogs reported in full and compactly.
func TestReportCanWait(t *testing.T) {
	for _, n := range []int{3, DefaultFullReport + 50} {
		mk := func(mutate func(*offer.Offer)) []offer.Offer {
			offers := make([]offer.Offer, n)
			for i := range offers {
				offers[i] = mkOffer(fmt.Sprintf("n%03d", i), 8000, 8<<30, 0)
				mutate(&offers[i])
			}
			return offers
		}
		tests := []struct {
			name   string
			offers []offer.Offer
			want   bool
		}{
			{"busy", mk(func(o *offer.Offer) { o.Free.CPU = 500 }), true},
			{"wrong executor", mk(func(o *offer.Offer) { o.Executors = []string{"wasm"} }), false},
			{"too small", mk(func(o *offer.Offer) { o.Free.CPU, o.Total.CPU = 500, 500 }), false},
			{"one busy among wrong", mk(func(o *offer.Offer) {
				if o.Node != "n001" {
					o.Executors = []string{"wasm"}
				} else {
					o.Free.CPU = 500
				}
			}), true},
		}
		for _, tt := range tests {
			_, err := Default().Place(spec(1000, 1<<30), tt.offers)
			var nf *NoFitError
			if !errors.As(err, &nf) {
				t.Fatalf("%d offers, %s: err %v", n, tt.name, err)
			}
			if nf.Report.Compact != (n > DefaultFullReport) {
				t.Fatalf("%d offers, %s: compact %v", n, tt.name, nf.Report.Compact)
			}
			if got := nf.Report.CanWait(); got != tt.want {
				t.Errorf("%d offers, %s: CanWait %v, want %v", n, tt.name, got, tt.want)
			}
		}
	}
	if !(Report{}).CanWait() {
		t.Error("an empty catalog cannot wait")
	}
}
