package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/offer"
)

func TestOffersWhereSyntaxError(t *testing.T) {
	_, _, err := deco(t, "--data-dir", t.TempDir(), "offers", "--where", `gpus >= 2 and gpu.modle ~ "A100"`)
	want := "--where: unknown field \"gpu.modle\""
	caret := "\n  gpus >= 2 and gpu.modle ~ \"A100\"\n                ^"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), caret) {
		t.Fatalf("got %v, want %q ending with the caret under column 15", err, want)
	}
}

// TestOffersWhereAgainstDevnet filters a devnet's two offers by the region
// and the price that tell its providers apart (devnet-a at 3.6 DECO per
// core-hour, devnet-b at 7.2).
func TestOffersWhereAgainstDevnet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	net, err := devnet.Start(ctx, devnet.Config{Nodes: 3, Dir: t.TempDir(), NoDocker: true, NoChain: true})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	req := []string{"--data-dir", net.DataDir(0)}
	node1, node2 := net.Nodes[1].PeerID(), net.Nodes[2].PeerID()

	tests := []struct {
		where string
		want  []string
	}{
		{"", []string{node1, node2}},
		{`region == "devnet-b"`, []string{node2}},
		{`price.cpu_hour <= 5`, []string{node1}},
		{`region ~ "^devnet-" and price.cpu_hour > 5`, []string{node2}},
		{`node == "` + node1 + `"`, []string{node1}},
		{`region == "elsewhere"`, nil},
	}
	for _, tc := range tests {
		out, _, err := deco(t, append(req, "offers", "-o", "json", "--where", tc.where)...)
		if err != nil {
			t.Fatalf("--where %q: %v", tc.where, err)
		}
		var offers []offer.Offer
		if err := json.Unmarshal([]byte(out), &offers); err != nil || offers == nil {
			t.Fatalf("--where %q: not a JSON list of offers: %v\n%s", tc.where, err, out)
		}
		var got []string
		for _, o := range offers {
			got = append(got, o.Node)
		}
		slices.Sort(got)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("--where %q kept %v, want %v", tc.where, got, want)
		}
	}

	// A table with nothing matching is its header alone.
	out, _, err := deco(t, append(req, "offers", "--where", `region == "elsewhere"`)...)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); err != nil || len(lines) != 1 || !strings.HasPrefix(lines[0], "NODE") {
		t.Fatalf("table of no offers: %v\n%s", err, out)
	}
	out, _, err = deco(t, append(req, "offers", "--where", `region == "devnet-b"`)...)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); err != nil || len(lines) != 2 || !strings.Contains(lines[1], shortPeer(node2)) {
		t.Fatalf("table of devnet-b: %v\n%s", err, out)
	}
}
