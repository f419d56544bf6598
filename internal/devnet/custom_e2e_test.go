package devnet_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
)

// TestCustomResourcesEndToEnd: node 1 sells 2 of a custom accelerator,
// counted by a command, at 2 DECO per unit-hour. A job asking for both
// runs there (not on node 2, which has none), paid for them; one asking
// for 3 is refused at submission with the reason.
func TestCustomResourcesEndToEnd(t *testing.T) {
	net := startWith(t, devnet.Config{Nodes: 3, NoDocker: true})
	defer net.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c0, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	c1, err := client.FromDataDir(net.DataDir(1))
	if err != nil {
		t.Fatal(err)
	}
	view, err := c1.Onboarding(ctx)
	if err != nil || view.Current == nil {
		t.Fatalf("onboarding %+v %v", view, err)
	}
	pol := view.Current.Policy
	pol.Share.Custom = map[string]int64{"tpu1684x": 2}
	pol.CustomCommands = map[string][]string{"tpu1684x": {"sh", "-c", "echo 2"}}
	pol.Prices.Custom = map[string]money.Amount{"tpu1684x": 2 * money.Unit}
	ob, err := c1.Onboard(ctx, pol)
	if err != nil {
		t.Fatal(err)
	}
	if ob.Machine.Custom["tpu1684x"] != 2 {
		t.Fatalf("machine custom %v, want the command's count", ob.Machine.Custom)
	}
	// More than the command counts is refused at onboarding.
	over := pol
	over.Share.Custom = map[string]int64{"tpu1684x": 3}
	if _, err := c1.Onboard(ctx, over); err == nil || !strings.Contains(err.Error(), "custom tpu1684x: asked for 3, this machine has 2") {
		t.Fatalf("share above the count: %v", err)
	}
	waitOffers(t, c0, func(offers map[string]offer.Offer) bool {
		return offers[net.Nodes[1].PeerID()].Total.Custom["tpu1684x"] == 2
	})

	spec := wasmJob(t)
	spec.Resources.Custom = map[string]int64{"tpu1684x": 2}
	j, err := c0.Submit(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	done, _ := waitDone(t, c0, j.ID)
	if done.State != job.StateCompleted || done.Provider != net.Nodes[1].PeerID() {
		t.Fatalf("job %s on %s (%s), want completed on node1", done.State, done.Provider, done.Error)
	}
	d, err := c0.Job(ctx, j.ID)
	if err != nil || len(d.Usage) == 0 {
		t.Fatalf("usage: %v %+v", err, d.Usage)
	}
	last := d.Usage[len(d.Usage)-1].Report
	perHour := pol.Prices.PerHour(done.Spec.Resources)
	if perHour < 4*money.Unit {
		t.Fatalf("price per hour %s leaves out the 2 accelerators at 2", perHour)
	}
	terms := market.Terms{PerHour: perHour, Fixed: pol.FixedPrice, MaxAmount: market.MaxAmount(perHour, pol.FixedPrice, done.Spec.Timeout.Std())}
	if want := market.AmountDue(terms, last.RunMillis); last.AmountDue != want {
		t.Fatalf("billed %s for %d ms, want %s at %s/h", last.AmountDue, last.RunMillis, want, perHour)
	}

	spec.Resources.Custom = map[string]int64{"tpu1684x": 3}
	if _, err := c0.Submit(ctx, spec); err == nil || !strings.Contains(err.Error(), net.Nodes[1].PeerID()+": tpu1684x: needs 3, 2 free, 2 in total") {
		t.Fatalf("3 accelerators: %v", err)
	}
}
