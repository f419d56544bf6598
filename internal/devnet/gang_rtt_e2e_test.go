package devnet_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
)

// TestGangMaxRTTBetweenProvidersEndToEnd: providers state in their offers
// the round-trip times they measured to their peers, and a gang with
// maxRTT is placed on providers that measured each other within it.
func TestGangMaxRTTBetweenProvidersEndToEnd(t *testing.T) {
	net := startWith(t, devnet.Config{NoDocker: true, OfferTTL: 3 * time.Second})
	defer net.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p1, p2 := net.Nodes[1].PeerID(), net.Nodes[2].PeerID()
	// The first offers may predate the first pings: wait for the
	// refreshed ones (every OfferTTL/3).
	for measured := false; !measured; {
		seen := map[string]bool{}
		for _, o := range net.Nodes[0].Catalog().List() {
			if _, ok := o.RTT(p2); ok && o.Node == p1 {
				seen[p1] = true
			}
			if _, ok := o.RTT(p1); ok && o.Node == p2 {
				seen[p2] = true
			}
		}
		measured = seen[p1] && seen[p2]
		select {
		case <-ctx.Done():
			t.Fatalf("the providers' offers never listed each other's round-trip time (%v)", seen)
		case <-time.After(100 * time.Millisecond):
		}
	}
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	sp := job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm, Wasm: &job.WasmModule{Inline: trivialModule}, Tasks: 2,
		Resources: job.Resources{CPU: 50, Memory: 16 * job.MiB, Disk: 16 * job.MiB}}
	sp.Constraints.Group.MaxRTT = job.Duration(time.Second)
	sp.Constraints.Group.DistinctProviders = true
	j, err := c.Submit(ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := waitDone(t, c, j.ID)
	if got.State != job.StateCompleted {
		t.Fatalf("job ended %s: %s", got.State, got.Error)
	}
	d, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	var on []string
	for _, tk := range d.Tasks {
		on = append(on, tk.Provider)
	}
	slices.Sort(on)
	if len(on) != 2 || on[0] == on[1] {
		t.Fatalf("tasks ran on %v, want two providers", on)
	}
}
