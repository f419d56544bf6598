package devnet_test

import (
	"cmp"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/exec/exectest"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/requester"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/verify"
)

// verifyNet is a five-node devnet for verified jobs: node 0 submits,
// nodes 1–4 provide and validate (every devnet provider is a staked
// validator of the escrow; the quorum is 2). Node 1 is the cheapest, so
// it is the provider of every job; tamper makes the given nodes return
// wrong results.
func verifyNet(t *testing.T, tamper ...int) (*devnet.Net, *client.Client) {
	t.Helper()
	return verifyNetWith(t, devnet.Config{}, tamper...)
}

// verifyUsageInterval is these devnets' usage interval unless a test
// sets one: a verified job's runs (up to six for an array job) on a
// shared two-core machine may take longer to start, compiling the guest,
// than two of the default intervals, after which a provider stops an
// execution whose requester has not paid (and the validator's run is
// lost: "verification unresolved").
const verifyUsageInterval = 10 * time.Second

// verifyNetWith is verifyNet with more of cfg set.
func verifyNetWith(t *testing.T, cfg devnet.Config, tamper ...int) (*devnet.Net, *client.Client) {
	t.Helper()
	cfg.Nodes, cfg.NoDocker, cfg.TamperOutputs = 5, true, map[int]func(string) error{}
	cfg.UsageInterval = cmp.Or(cfg.UsageInterval, verifyUsageInterval)
	for _, i := range tamper {
		cfg.TamperOutputs[i] = func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "forged.txt"), []byte("not what the task computed"), 0o644)
		}
	}
	net := startWith(t, cfg)
	t.Cleanup(net.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := net.WaitForOffers(ctx, 0, 4); err != nil {
		t.Fatal(err)
	}
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	return net, c
}

// verifiedSpec is a wasm task that writes one output, under policy.
func verifiedSpec(t *testing.T, policy string) job.Spec {
	return job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm, Wasm: &job.WasmModule{Inline: exectest.GuestModule(t)},
		Command: []string{"write", "answer.txt", "42"}, Verification: policy}
}

// verification runs spec to its end and returns the job and its record.
func verification(t *testing.T, c *client.Client, spec job.Spec) (api.JobDetail, requester.Verification) {
	t.Helper()
	j, err := c.Submit(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, c, j.ID)
	d, err := c.Job(context.Background(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	var v requester.Verification
	if err := json.Unmarshal(d.Verification, &v); err != nil {
		t.Fatalf("job %s has no verification record (%s): %v", j.ID, d.Verification, err)
	}
	for _, e := range d.Events {
		t.Logf("event %s: %s", e.State, e.Message)
	}
	return d, v
}

func TestVerifiedJobHonestRunsAgree(t *testing.T) {
	net, c := verifyNet(t)
	start := time.Now()
	d, v := verification(t, c, verifiedSpec(t, "replicate(2)"))
	t.Logf("replicate(2) job took %s", time.Since(start).Round(time.Millisecond))
	if d.State != job.StateCompleted || v.Outcome != "accepted" {
		t.Fatalf("job %s (%s), verification %q; want completed and accepted", d.State, d.Error, v.Outcome)
	}
	if d.Provider != net.Nodes[1].PeerID() {
		t.Fatalf("provider %s, want node 1 (the cheapest)", d.Provider)
	}
	if len(v.Runs) != 3 || len(d.Validators) != 2 {
		t.Fatalf("%d runs and %d validator runs; want 3 and 2: %+v", len(v.Runs), len(d.Validators), v.Runs)
	}
	seen := map[string]bool{}
	for _, run := range v.Runs {
		if run.Digest != d.ResultDigest || run.Receipt == nil || run.Commitment == nil || run.Invalid != "" {
			t.Fatalf("run %+v: want the job's digest %s, a receipt and a commitment", run, d.ResultDigest)
		}
		if run.Receipt.Check() != nil || run.Commitment.Runner != run.Address {
			t.Fatalf("run %s: receipt or commitment not its own", run.Node)
		}
		seen[run.Node] = true
	}
	if len(seen) != 3 || seen[net.Nodes[0].PeerID()] {
		t.Fatalf("runners %v: want three distinct providers, never the requester", seen)
	}
	if got := readFile(t, filepath.Join(outputs(t, c, d.ID), "answer.txt")); got != "42" {
		t.Fatalf("answer.txt = %q", got)
	}
	var paid money.Amount
	for _, vr := range d.Validators {
		if vr.State != job.StateCompleted || vr.Role != "validator" {
			t.Fatalf("validator run %s %s (%s)", vr.ID, vr.State, vr.Error)
		}
		if n := len(vr.Usage); n > 0 {
			paid += vr.Usage[n-1].Report.AmountDue
		}
	}
	if v.Cost != paid {
		t.Fatalf("verification cost %s, the validators' runs were owed %s", v.Cost, paid)
	}
	// Everyone is still staked in full: nothing was slashed.
	for i := 1; i < 5; i++ {
		st, err := net.Nodes[0].Settlement().StakeOf(context.Background(), net.Nodes[i].Address())
		if err != nil || st.Amount != net.Stake() {
			t.Fatalf("node %d stake %s, %v; want %s", i, st.Amount, err, net.Stake())
		}
	}
	// Every runner ends paid exactly what it reported: the final
	// interval, held until the verification decided, is paid since.
	for _, run := range v.Runs {
		ch := runnerChannelOf(t, net, run)
		t.Logf("%s %s: reported %s, held %s, voucher %s", run.Role, run.Node, ch.reported, ch.held, ch.latest)
		if ch.held <= 0 || ch.hold != store.HoldReleased {
			t.Fatalf("%s %s: final interval held %s (%s); want a positive amount held, then released", run.Role, run.Node, ch.held, ch.hold)
		}
		if ch.latest != ch.reported || ch.signed != ch.reported || run.Withheld != 0 || run.Paid != ch.reported {
			t.Fatalf("%s %s: reported %s, the provider holds a voucher for %s, the requester signed %s, the record says paid %s withheld %s; want all paid",
				run.Role, run.Node, ch.reported, ch.latest, ch.signed, run.Paid, run.Withheld)
		}
	}
}

// runnerChannel is the payment channel from node 0 to a run's node, as
// both sides see it.
type runnerChannel struct {
	// reported is the usage the runner reported on the channel, latest
	// the latest voucher it holds, signed the latest node 0 signed.
	reported, latest, signed money.Amount
	// held is the run's final interval held for the verification, hold
	// what became of it on the requester's side.
	held money.Amount
	hold store.HoldState
}

func runnerChannelOf(t *testing.T, net *devnet.Net, run requester.VerifiedRun) runnerChannel {
	t.Helper()
	ctx := context.Background()
	req := net.Nodes[0]
	for _, n := range net.Nodes[1:] {
		if n.PeerID() != run.Node {
			continue
		}
		var ch runnerChannel
		var err error
		if ch.reported, err = n.Store().UsageTotal(ctx, store.RoleProvider, req.Address(), n.Address()); err != nil {
			t.Fatal(err)
		}
		pc, err := n.Store().PayChannel(ctx, store.RoleProvider, req.Address(), n.Address())
		if err != nil {
			t.Fatal(err)
		}
		ch.latest = pc.Latest.Cumulative
		if ch.signed, err = req.Requester().ChannelTotal(ctx, n.Address()); err != nil {
			t.Fatal(err)
		}
		if h, err := req.Store().GetHold(ctx, store.RoleRequester, run.ExecutionID); err == nil {
			ch.held, ch.hold = h.Amount, h.State
		}
		return ch
	}
	t.Fatalf("run on %s: no such provider", run.Node)
	return runnerChannel{}
}

func TestSpotcheckZeroAndOne(t *testing.T) {
	_, c := verifyNet(t)
	d, v := verification(t, c, verifiedSpec(t, "spotcheck(0)"))
	if d.State != job.StateCompleted || v.Sampled || len(d.Validators) != 0 || len(v.Runs) != 1 {
		t.Fatalf("spotcheck(0): job %s, sampled %v, %d validators, %d runs; want completed with no validator",
			d.State, v.Sampled, len(d.Validators), len(v.Runs))
	}
	d, v = verification(t, c, verifiedSpec(t, "spotcheck(1)"))
	if d.State != job.StateCompleted || !v.Sampled || len(d.Validators) != 1 || len(v.Runs) != 2 || v.Outcome != "accepted" {
		t.Fatalf("spotcheck(1): job %s, sampled %v, %d validators, %d runs, outcome %q; want one validator agreeing",
			d.State, v.Sampled, len(d.Validators), len(v.Runs), v.Outcome)
	}
}

func TestCheatingProviderIsSlashed(t *testing.T) {
	net, c := verifyNet(t, 1)
	ctx := context.Background()
	s := net.Nodes[0].Settlement()
	d, v := verification(t, c, verifiedSpec(t, "replicate(2)"))
	if d.State != job.StateCompleted || v.Outcome != "disputed" {
		t.Fatalf("job %s (%s), outcome %q; want completed after a dispute", d.State, d.Error, v.Outcome)
	}
	// The result is the validators', not the forged one.
	out := outputs(t, c, d.ID)
	if _, err := os.Stat(filepath.Join(out, "forged.txt")); err == nil {
		t.Fatal("the forged output was accepted")
	}
	if got := readFile(t, filepath.Join(out, "answer.txt")); got != "42" {
		t.Fatalf("answer.txt = %q", got)
	}
	if len(v.Verdicts) != 1 {
		t.Fatalf("verdicts %+v, want one against the provider", v.Verdicts)
	}
	vd := v.Verdicts[0]
	if vd.Accused != net.Nodes[1].PeerID() || vd.Tx == "" || vd.Error != "" || len(vd.Signers) < 2 {
		t.Fatalf("verdict %+v: want node 1 slashed by a quorum of 2", vd)
	}
	st, err := s.StakeOf(ctx, net.Nodes[1].Address())
	if err != nil || st.Amount != net.Stake()-vd.Amount {
		t.Fatalf("node 1 stake %s, %v; want %s - %s", st.Amount, err, net.Stake(), vd.Amount)
	}
	t.Logf("slash: %s, gas %d, mismatch to verdict on chain %s", vd.Amount, vd.GasUsed, vd.At.Sub(v.MismatchAt).Round(time.Millisecond))
	// The cheat's final interval is never paid: its latest voucher is
	// below what it reported by exactly the amount held; the validators
	// that agreed are paid in full.
	for _, run := range v.Runs {
		ch := runnerChannelOf(t, net, run)
		t.Logf("%s %s: reported %s, held %s (%s), voucher %s", run.Role, run.Node, ch.reported, ch.held, ch.hold, ch.latest)
		if ch.held <= 0 {
			t.Fatalf("%s %s: nothing held", run.Role, run.Node)
		}
		if run.Node == net.Nodes[1].PeerID() {
			if ch.hold != store.HoldWithheld || ch.latest != ch.reported-ch.held || ch.signed != ch.latest || run.Withheld != ch.held || run.Paid != ch.reported-ch.held {
				t.Fatalf("the cheat reported %s, holds a voucher for %s (signed %s), %s held (%s), record paid %s withheld %s; want its final interval withheld",
					ch.reported, ch.latest, ch.signed, ch.held, ch.hold, run.Paid, run.Withheld)
			}
			continue
		}
		if ch.hold != store.HoldReleased || ch.latest != ch.reported || ch.signed != ch.reported || run.Withheld != 0 {
			t.Fatalf("validator %s reported %s, holds a voucher for %s (signed %s), hold %s, withheld %s; want paid in full",
				run.Node, ch.reported, ch.latest, ch.signed, ch.hold, run.Withheld)
		}
	}
	// Its reputation is gone at once, and the next job avoids it.
	waitFor(t, 10*time.Second, "node 1's reputation drops to 0", func() bool {
		rep, ok := net.Nodes[0].Reputation().Reputation(net.Nodes[1].PeerID())
		return ok && rep == 0
	})
	next := verifiedSpec(t, "none")
	next.Constraints.MinReputation = 0.2
	j, err := c.Submit(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	done, _ := waitDone(t, c, j.ID)
	if done.State != job.StateCompleted || done.Provider == net.Nodes[1].PeerID() {
		t.Fatalf("next job %s on %s; want completed elsewhere than node 1", done.State, done.Provider)
	}
	var rep sched.Report
	_ = json.Unmarshal(done.Placement, &rep)
	for _, n := range rep.Nodes {
		if n.Node == net.Nodes[1].PeerID() && (n.Feasible || n.Filter != "reputation") {
			t.Fatalf("node 1 in the next placement: %+v; want refused by the reputation filter", n)
		}
	}
}

func TestLyingValidatorLosesToTheQuorum(t *testing.T) {
	net, c := verifyNet(t, 4)
	d, v := verification(t, c, verifiedSpec(t, "replicate(3)"))
	if d.State != job.StateCompleted || v.Outcome != "disputed" {
		t.Fatalf("job %s (%s), outcome %q; want completed after a dispute", d.State, d.Error, v.Outcome)
	}
	if len(v.Verdicts) != 1 || v.Verdicts[0].Accused != net.Nodes[4].PeerID() || v.Verdicts[0].Tx == "" {
		t.Fatalf("verdicts %+v: want the lying validator (node 4) slashed", v.Verdicts)
	}
	for i, want := range map[int]money.Amount{1: net.Stake(), 4: net.Stake() - v.Verdicts[0].Amount} {
		st, err := net.Nodes[0].Settlement().StakeOf(context.Background(), net.Nodes[i].Address())
		if err != nil || st.Amount != want {
			t.Fatalf("node %d stake %s, %v; want %s", i, st.Amount, err, want)
		}
	}
	if !strings.Contains(d.Events[len(d.Events)-1].Message, "dispute decided by 2 validators") {
		t.Fatalf("last event %q", d.Events[len(d.Events)-1].Message)
	}
}

func TestReplicateNeedsValidators(t *testing.T) {
	net := startWith(t, devnet.Config{Nodes: 2, NoDocker: true})
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := net.WaitForOffers(ctx, 0, 1); err != nil {
		t.Fatal(err)
	}
	_, err = c.Submit(ctx, verifiedSpec(t, "replicate(1)"))
	if err == nil || !strings.Contains(err.Error(), "needs 1 validators besides the provider; 0 known") {
		t.Fatalf("replicate(1) with no validator: %v", err)
	}
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDisputeCallsInValidatorsOneByOne: under replicate(1) a cheating
// provider and its one validator disagree; a quorum is 2, so the
// requester asks one more validator, which agrees with the first, and
// the two sign the verdict against the provider.
func TestDisputeCallsInValidatorsOneByOne(t *testing.T) {
	net, c := verifyNet(t, 1)
	d, v := verification(t, c, verifiedSpec(t, "replicate(1)"))
	if d.State != job.StateCompleted || v.Outcome != "disputed" {
		t.Fatalf("job %s (%s), outcome %q; want completed after a dispute", d.State, d.Error, v.Outcome)
	}
	if v.Wanted != 1 || len(v.Asked) != 2 || len(d.Validators) != 2 || len(v.Runs) != 3 {
		t.Fatalf("wanted %d, asked %v, %d validator runs, %d runs; want one validator wanted and one more asked",
			v.Wanted, v.Asked, len(d.Validators), len(v.Runs))
	}
	asked := false
	for _, e := range d.Events {
		asked = asked || strings.Contains(e.Message, "asked 1 more validators")
	}
	if !asked {
		t.Fatal("no event says one more validator was asked")
	}
	if len(v.Verdicts) != 1 || v.Verdicts[0].Accused != net.Nodes[1].PeerID() || v.Verdicts[0].Tx == "" || len(v.Verdicts[0].Signers) != 2 {
		t.Fatalf("verdicts %+v: want node 1 slashed, signed by the two validators", v.Verdicts)
	}
	var validators []identity.Address
	for _, run := range v.Runs {
		if run.Role == "validator" && slices.Contains(v.Asked, run.Node) {
			validators = append(validators, run.Address)
		}
	}
	for _, s := range v.Verdicts[0].Signers {
		if !slices.Contains(validators, s) {
			t.Fatalf("verdict signer %s is not one of the validators asked %v", s, validators)
		}
	}
	if got := readFile(t, filepath.Join(outputs(t, c, d.ID), "answer.txt")); got != "42" {
		t.Fatalf("answer.txt = %q", got)
	}
}

// TestCopiedCommitmentGainsNothing: the first validator to finish copies
// the provider's commitment (leaked to it, as by a colluding provider)
// instead of sending its own. A commitment is bound to its runner, so the
// copy is refused as not the validator's, its run counts for nothing, and
// another validator is asked in its place: the job is verified by
// validators that committed to their own results.
func TestCopiedCommitmentGainsNothing(t *testing.T) {
	var net *devnet.Net
	var copier atomic.Int32 // the copier's node index, once one copied
	// copyAs returns node i's hook: the first validator to commit waits
	// for node 1 (the provider) to commit to the job and sends that
	// instead of its own; the others send their own.
	copyAs := func(i int) func(string, verify.Commitment) verify.Commitment {
		return func(jobID string, own verify.Commitment) verify.Commitment {
			if !copier.CompareAndSwap(0, -1) {
				return own
			}
			ctx := context.Background()
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				execs, _ := net.Nodes[1].Store().ListExecutions(ctx, 100)
				for _, e := range execs {
					rec, err := net.Nodes[1].Store().GetCommitment(ctx, e.ID)
					var c verify.Commitment
					if err == nil && e.JobID == jobID && json.Unmarshal(rec.Commitment, &c) == nil {
						copier.Store(int32(i))
						return c
					}
				}
			}
			return own
		}
	}
	net, c := verifyNetWith(t, devnet.Config{TamperCommitments: map[int]func(string, verify.Commitment) verify.Commitment{
		2: copyAs(2), 3: copyAs(3), 4: copyAs(4)}})
	d, v := verification(t, c, verifiedSpec(t, "replicate(2)"))
	if d.State != job.StateCompleted || v.Outcome != "accepted" || d.Provider != net.Nodes[1].PeerID() {
		t.Fatalf("job %s (%s) on %s, outcome %q; want completed on node 1 and accepted", d.State, d.Error, d.Provider, v.Outcome)
	}
	i := copier.Load()
	if i <= 0 {
		t.Fatal("no validator copied the provider's commitment: the test tested nothing")
	}
	cheat := net.Nodes[i].PeerID()
	if len(v.Asked) != 3 || len(d.Validators) != 3 {
		t.Fatalf("asked %v, %d validator runs; want the two and one in the copier's place", v.Asked, len(d.Validators))
	}
	for _, vr := range d.Validators {
		if vr.Provider == cheat && (vr.State != job.StateFailed || !strings.Contains(vr.Error, "a copied commitment?")) {
			t.Fatalf("copier %s's run %s (%s); want failed with its commitment refused", cheat, vr.State, vr.Error)
		}
	}
	// What decided the job: the provider and two validators with their
	// own commitments, not the copier.
	agreeing := 0
	for _, run := range v.Runs {
		if run.Invalid == "" && run.Digest == d.ResultDigest {
			if run.Node == cheat {
				t.Fatalf("copier %s counted towards the result", cheat)
			}
			if run.Commitment == nil || run.Commitment.Runner != run.Address {
				t.Fatalf("run %s: a counted run's commitment is not its own", run.Node)
			}
			agreeing++
		}
	}
	if agreeing != 3 {
		t.Fatalf("%d runs agreeing: want the provider and two validators of their own: %+v", agreeing, v.Runs)
	}
}
