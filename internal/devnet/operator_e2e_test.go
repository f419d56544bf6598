package devnet_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/operator"
)

// TestOperatorPoolsGroupsSpecsEndToEnd: an operator certifies three of a
// devnet's nodes through their REST APIs and publishes one policy through
// one of them: pool gpu-a (nodes 1, 2) bound to group lab-1 (node 0's
// address) selling spec small, and open pool cpu (node 3). Every node
// learns the policy by gossip; the operator's nodes' offers carry the
// certificate and their pool. Node 0, a member, runs a job in gpu-a and
// one by spec name priced per hour of the spec; node 4, not a member, is
// refused with the reason; node 4 claiming gpu-a for itself gets no job
// from the pool. A second policy moving node 3 into gpu-a reaches every
// node and node 3's offer.
func TestOperatorPoolsGroupsSpecsEndToEnd(t *testing.T) {
	net := startWith(t, devnet.Config{Nodes: 5, NoDocker: true})
	defer net.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	clients := make([]*client.Client, len(net.Nodes))
	for i := range net.Nodes {
		c, err := client.FromDataDir(net.DataDir(i))
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	op, err := identity.Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{1, 2, 3} {
		c, err := operator.Issue(op, net.Nodes[i].PeerID(), time.Now(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := clients[i].SetOperatorCert(ctx, c); err != nil || v.Cert == nil || v.Cert.Operator != op.Address() {
			t.Fatalf("node%d: install certificate: %+v %v", i, v, err)
		}
	}
	// A certificate for another node is refused.
	wrong, _ := operator.Issue(op, net.Nodes[2].PeerID(), time.Now(), time.Hour)
	if _, err := clients[4].SetOperatorCert(ctx, wrong); err == nil || !strings.Contains(err.Error(), "not "+net.Nodes[4].PeerID()) {
		t.Fatalf("node4 took node2's certificate: %v", err)
	}
	// Node 4 claims pool gpu-a on its own.
	ob, err := clients[4].Onboarding(ctx)
	if err != nil || ob.Current == nil {
		t.Fatalf("node4 onboarding: %+v %v", ob, err)
	}
	pol := ob.Current.Policy
	pol.Pool = "gpu-a"
	if _, err := clients[4].Onboard(ctx, pol); err != nil {
		t.Fatal(err)
	}

	small := operator.Spec{Name: "small", Resources: job.Resources{CPU: 500, Memory: 256 << 20}, PricePerHour: 36 * money.Unit}
	body := operator.Body{
		Groups: []operator.Group{{Name: "lab-1", Members: []identity.Address{net.Nodes[0].Address()}}},
		Specs:  []operator.Spec{small},
		Pools: []operator.Pool{
			{Name: "gpu-a", Nodes: []string{net.Nodes[1].PeerID(), net.Nodes[2].PeerID()}, Groups: []string{"lab-1"}, Specs: []string{"small"}},
			{Name: "cpu", Nodes: []string{net.Nodes[3].PeerID()}},
		},
	}
	v1 := publish(ctx, t, op, clients[1], body)
	waitPolicy(t, net, op.Address(), v1)
	waitOffers(t, clients[0], func(offers map[string]offer.Offer) bool {
		return offers[net.Nodes[1].PeerID()].Pool == "gpu-a" && offers[net.Nodes[2].PeerID()].Pool == "gpu-a" &&
			offers[net.Nodes[3].PeerID()].Pool == "cpu" && offers[net.Nodes[3].PeerID()].PolicyVersion == v1 &&
			offers[net.Nodes[4].PeerID()].Pool == "gpu-a" && offers[net.Nodes[4].PeerID()].Operator == nil
	})

	// A member's job in gpu-a runs on node 1 or 2, never on node 4.
	inPool := wasmJob(t)
	inPool.Constraints.Pool = "gpu-a"
	for range 3 {
		j, err := clients[0].Submit(ctx, inPool)
		if err != nil {
			t.Fatal(err)
		}
		done, _ := waitDone(t, clients[0], j.ID)
		if done.State != job.StateCompleted || (done.Provider != net.Nodes[1].PeerID() && done.Provider != net.Nodes[2].PeerID()) {
			t.Fatalf("pool job %s on %s (%s), want node1 or node2", done.State, done.Provider, done.Error)
		}
	}

	// A stranger is refused, saying why.
	_, err = clients[4].Submit(ctx, inPool)
	want := "pool gpu-a is for group lab-1; you (" + net.Nodes[4].Address().String() + ") are not a member"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("non-member's pool job: %v, want the reason %q", err, want)
	}
	// And so is node 0's job when the pool is bound to a group without it,
	// at the provider too: the scheduler's check is not the only one.
	// (Checked below, after the policy change.)

	// A job by spec name runs on a node that sells it, with the spec's
	// resources, billed at the spec's price per hour.
	bySpec := wasmJob(t)
	bySpec.Resources = job.Resources{}
	bySpec.ResourceSpec = "small"
	j, err := clients[0].Submit(ctx, bySpec)
	if err != nil {
		t.Fatal(err)
	}
	if j.Spec.Resources.CPU != small.Resources.CPU || j.Spec.Resources.Memory != small.Resources.Memory {
		t.Fatalf("spec job resources %+v, want the spec's %+v", j.Spec.Resources, small.Resources)
	}
	done, _ := waitDone(t, clients[0], j.ID)
	if done.State != job.StateCompleted || (done.Provider != net.Nodes[1].PeerID() && done.Provider != net.Nodes[2].PeerID()) {
		t.Fatalf("spec job %s on %s (%s)", done.State, done.Provider, done.Error)
	}
	d, err := clients[0].Job(ctx, j.ID)
	if err != nil || len(d.Usage) == 0 {
		t.Fatalf("spec job usage: %v %+v", err, d.Usage)
	}
	last := d.Usage[len(d.Usage)-1].Report
	terms := market.Terms{PerHour: small.PricePerHour, MaxAmount: market.MaxAmount(small.PricePerHour, 0, done.Spec.Timeout.Std())}
	if got, want := last.AmountDue, market.AmountDue(terms, last.RunMillis); got != want || got == 0 {
		t.Fatalf("spec job billed %s for %d ms, want %s at %s/h", got, last.RunMillis, want, small.PricePerHour)
	}
	// Billing: the spec job is one execution of spec small, its machine
	// hours its metered run time.
	bill, err := clients[0].Billing(ctx, client.BillingQuery{By: "spec", Records: true})
	if err != nil {
		t.Fatal(err)
	}
	var smallLine *operator.Line
	for i := range bill.Lines {
		if bill.Lines[i].Key == "small" {
			smallLine = &bill.Lines[i]
		}
	}
	if smallLine == nil || smallLine.Executions != 1 || smallLine.MachineHours != float64(last.RunMillis)/3.6e6 || smallLine.Due != last.AmountDue {
		t.Fatalf("billing by spec %+v, want one execution of small, %d ms, %s due", bill.Lines, last.RunMillis, last.AmountDue)
	}
	if bill.Total.Executions != 4 {
		t.Fatalf("billing total %+v, want the 4 jobs run so far", bill.Total)
	}
	checkBillingAgreesWithVouchers(ctx, t, net, clients)

	// The operator's statement: node 0 collects its three nodes'
	// statements as providers over libp2p; they sum to what each says.
	req, err := operator.SignBillingRequest(op, time.Unix(0, 0), time.Now().Add(time.Minute), "requester", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	stmt, err := clients[0].OperatorBilling(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if stmt.Answered != 3 || len(stmt.Nodes) != 3 {
		t.Fatalf("operator statement from %d of %d nodes, want 3: %+v", stmt.Answered, len(stmt.Nodes), stmt.Nodes)
	}
	var paid money.Amount
	for _, i := range []int{1, 2, 3} {
		pb, err := clients[i].Billing(ctx, client.BillingQuery{Role: "provider", By: "requester"})
		if err != nil {
			t.Fatal(err)
		}
		paid += pb.Total.Paid
	}
	if stmt.Total.Paid != paid || stmt.Total.Executions != 4 || len(stmt.Lines) != 1 || stmt.Lines[0].Key != net.Nodes[0].Address().String() {
		t.Fatalf("operator statement %+v (lines %+v), want node0's 4 executions paying %s", stmt.Total, stmt.Lines, paid)
	}
	// A request another key signed for this operator's nodes gets nothing.
	stranger, _ := identity.Generate(rand.Reader)
	forged, _ := operator.SignBillingRequest(stranger, time.Unix(0, 0), time.Now(), "job", time.Now())
	forged.Operator = op.Address()
	if _, err := clients[0].OperatorBilling(ctx, forged); err == nil || !strings.Contains(err.Error(), "signature does not match") {
		t.Fatalf("forged operator request: %v", err)
	}
	theirs, _ := operator.SignBillingRequest(stranger, time.Unix(0, 0), time.Now(), "job", time.Now())
	if none, err := clients[0].OperatorBilling(ctx, theirs); err != nil || none.Answered != 0 || len(none.Nodes) != 0 {
		t.Fatalf("an operator with no nodes: %+v %v", none, err)
	}

	// A spec nobody defines is refused at submission.
	bySpec.ResourceSpec = "huge"
	if _, err := clients[0].Submit(ctx, bySpec); err == nil || !strings.Contains(err.Error(), `resource spec "huge": no operator known here defines it`) {
		t.Fatalf("unknown spec: %v", err)
	}

	// The operator moves node 3 into gpu-a and empties lab-1: every node
	// gets the new policy, node 3's offer shows it, and node 0 is now
	// refused by the pool.
	body.Pools = []operator.Pool{{Name: "gpu-a", Nodes: []string{net.Nodes[1].PeerID(), net.Nodes[2].PeerID(), net.Nodes[3].PeerID()},
		Groups: []string{"lab-1"}}}
	body.Groups[0].Members = []identity.Address{net.Nodes[4].Address()}
	// Node 4 is down while it is published: it gets it when it is back,
	// from the operator's nodes' offers, which show the newer version.
	net.Stop(4)
	v2 := publish(ctx, t, op, clients[2], body)
	if v2 <= v1 {
		t.Fatalf("second policy version %d not after %d", v2, v1)
	}
	waitPolicyOn(t, net, op.Address(), v2, 0, 1, 2, 3)
	if err := net.Start(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if got := net.Nodes[4].Operators().Version(op.Address()); got != v1 {
		t.Fatalf("node4 restarted with policy version %d, want the stored %d", got, v1)
	}
	restarted := time.Now()
	waitPolicy(t, net, op.Address(), v2)
	t.Logf("node4 had the new policy %v after its restart", time.Since(restarted))
	if clients[4], err = client.FromDataDir(net.DataDir(4)); err != nil {
		t.Fatal(err)
	}
	waitOffers(t, clients[0], func(offers map[string]offer.Offer) bool {
		o := offers[net.Nodes[3].PeerID()]
		return o.Pool == "gpu-a" && o.PolicyVersion == v2
	})
	if _, err := clients[0].Submit(ctx, inPool); err == nil || !strings.Contains(err.Error(), "pool gpu-a is for group lab-1") {
		t.Fatalf("node0 after leaving lab-1: %v", err)
	}
	// The provider refuses too: node 1 quotes nobody outside the group,
	// even a requester whose scheduler does not know the policy.
	if err := net.Nodes[1].Provider().CheckAdmission(net.Nodes[0].PeerID(), inPool); err == nil || !strings.Contains(err.Error(), "pool gpu-a is for group lab-1") {
		t.Fatalf("provider admission of a non-member: %v", err)
	}

	// A group by rule: holders of a token balance, read on the chain by
	// the requester's scheduler and by the provider. Every devnet node
	// holds about 10,000 DECO.
	holders := func(min money.Amount) uint64 {
		body.Groups = []operator.Group{{Name: "holders", MinBalance: min}}
		body.Pools = []operator.Pool{{Name: "gpu-a", Nodes: []string{net.Nodes[1].PeerID(), net.Nodes[2].PeerID()}, Groups: []string{"holders"}}}
		v := publish(ctx, t, op, clients[1], body)
		waitPolicy(t, net, op.Address(), v)
		return v
	}
	holders(1000 * money.Unit)
	j, err = clients[0].Submit(ctx, inPool)
	if err != nil {
		t.Fatalf("a holder of 1,000 DECO: %v", err)
	}
	if done, _ := waitDone(t, clients[0], j.ID); done.State != job.StateCompleted {
		t.Fatalf("holder's job %s (%s)", done.State, done.Error)
	}
	holders(1_000_000 * money.Unit)
	if _, err := clients[0].Submit(ctx, inPool); err == nil || !strings.Contains(err.Error(), "holders of 1000000 DECO are members of holders") {
		t.Fatalf("not a holder of 1,000,000 DECO: %v", err)
	}
	if err := net.Nodes[2].Provider().CheckAdmission(net.Nodes[0].PeerID(), inPool); err == nil || !strings.Contains(err.Error(), "holders of 1000000 DECO") {
		t.Fatalf("provider admission of a non-holder: %v", err)
	}
}

func wasmJob(t *testing.T) job.Spec { return verifiedSpec(t, "") }

// publish signs body with the operator key and publishes it through c.
func publish(ctx context.Context, t *testing.T, op *identity.Key, c *client.Client, body operator.Body) uint64 {
	t.Helper()
	p, err := operator.Sign(op, body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.PublishPolicy(ctx, p)
	if err != nil || !res.New || res.Version != p.Version {
		t.Fatalf("publish: %+v %v", res, err)
	}
	return p.Version
}

// waitPolicy waits until every node holds the operator's policy version.
func waitPolicy(t *testing.T, net *devnet.Net, op identity.Address, version uint64) {
	t.Helper()
	all := make([]int, len(net.Nodes))
	for i := range all {
		all[i] = i
	}
	waitPolicyOn(t, net, op, version, all...)
}

// waitPolicyOn waits until the nodes hold the operator's policy version.
func waitPolicyOn(t *testing.T, net *devnet.Net, op identity.Address, version uint64, nodes ...int) {
	t.Helper()
	waitFor(t, 30*time.Second, fmt.Sprintf("policy version %d on nodes %v", version, nodes), func() bool {
		for _, i := range nodes {
			if net.Nodes[i].Operators().Version(op) != version {
				return false
			}
		}
		return true
	})
}

// waitOffers waits until c's catalog satisfies ok.
func waitOffers(t *testing.T, c *client.Client, ok func(map[string]offer.Offer) bool) {
	t.Helper()
	var last []offer.Offer
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		offers, err := c.Offers(context.Background())
		if err == nil {
			last = offers
			m := map[string]offer.Offer{}
			for _, o := range offers {
				m[o.Node] = o
			}
			if ok(m) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, o := range last {
		t.Logf("offer %s pool %q version %d operator %v", o.Node, o.Pool, o.PolicyVersion, o.Operator != nil)
	}
	t.Fatal("offers never showed the operator's policy")
}

// checkBillingAgreesWithVouchers: what node 0's billing records say it
// paid each provider is what its vouchers promised that provider, and,
// once the provider redeems, what the chain paid out; and each provider's
// own records of node 0 say the same.
func checkBillingAgreesWithVouchers(ctx context.Context, t *testing.T, net *devnet.Net, clients []*client.Client) {
	t.Helper()
	bill, err := clients[0].Billing(ctx, client.BillingQuery{By: "provider"})
	if err != nil {
		t.Fatal(err)
	}
	// Node 0's recharges are the chain's record of its deposits: the
	// devnet's automatic deposit on each channel it paid on.
	var sum money.Amount
	recharged := map[string]bool{}
	for _, d := range bill.Deposits {
		if d.Requester != net.Nodes[0].Address() || d.Amount != devnet.DefaultAutoDeposit || d.Tx == "" {
			t.Fatalf("recharge %+v, want node0 depositing %s", d, devnet.DefaultAutoDeposit)
		}
		sum += d.Amount
		recharged[d.Provider.String()] = true
	}
	if bill.Deposited != sum || len(bill.Deposits) == 0 {
		t.Fatalf("recharged %s in %d records, which sum to %s", bill.Deposited, len(bill.Deposits), sum)
	}
	for _, l := range bill.Lines {
		if l.Paid > 0 && !recharged[l.Key] {
			t.Fatalf("node0 paid %s but has no recharge on that channel (%+v)", l.Key, bill.Deposits)
		}
	}
	checked := 0
	defer func() {
		if checked == 0 && !t.Failed() {
			t.Fatal("node0's billing shows nothing paid to any provider")
		}
	}()
	for i := 1; i < len(net.Nodes); i++ {
		prov := net.Nodes[i].Address().String()
		var paid money.Amount
		for _, l := range bill.Lines {
			if l.Key == prov {
				paid = l.Paid
			}
		}
		if paid == 0 {
			continue
		}
		checked++
		if _, err := clients[i].Redeem(ctx, ""); err != nil {
			t.Fatalf("node%d redeem: %v", i, err)
		}
		w, err := clients[0].Wallet(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, ch := range w.Deposits {
			if strings.EqualFold(ch.Provider, prov) {
				found = true
				if ch.Signed != paid || ch.Paid != paid {
					t.Fatalf("node%d: billing says paid %s; vouchers signed %s, chain paid %s", i, paid, ch.Signed, ch.Paid)
				}
			}
		}
		if !found {
			t.Fatalf("node0 has no channel to node%d (%+v)", i, w.Deposits)
		}
		pb, err := clients[i].Billing(ctx, client.BillingQuery{Role: "provider", By: "requester"})
		if err != nil {
			t.Fatal(err)
		}
		if len(pb.Lines) != 1 || pb.Lines[0].Key != net.Nodes[0].Address().String() || pb.Lines[0].Paid != paid {
			t.Fatalf("node%d's own billing %+v, want node0 paying %s", i, pb.Lines, paid)
		}
	}
}
