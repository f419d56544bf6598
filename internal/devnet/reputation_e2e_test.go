package devnet_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/reputation"
	"github.com/deco-network/deco/internal/sched"
)

// TestReputationFromGossipedAttestations: node 0 (staked) attests that
// node 1 lost an execution; the attestation travels over real libp2p
// gossip and node 2's score for node 1 drops below neutral within
// seconds, to a staked attester's 0.40 once node 2 has read node 0's
// stake. Node 2's scheduler then refuses node 1 for a job whose
// minReputation is just below neutral, with the reputation filter's
// reason in the placement report, and its API shows the attestation.
func TestReputationFromGossipedAttestations(t *testing.T) {
	net := startWith(t, devnet.Config{NoDocker: true})
	defer net.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	attester, subject, observer := net.Nodes[0], net.Nodes[1], net.Nodes[2]
	if s := attester.Settlement(); s != nil {
		if _, err := s.Stake(ctx, 100*money.Unit); err != nil {
			t.Fatalf("stake node0: %v", err)
		}
	}
	if got, known := observer.Reputation().Reputation(subject.PeerID()); known || got != reputation.Neutral {
		t.Fatalf("before any attestation node2 scores node1 %v (known %v), want neutral", got, known)
	}

	claim := reputation.Claim{Kind: reputation.KindLost, Subject: subject.PeerID(), JobID: job.NewID(), ExecutionID: job.NewID()}
	start := time.Now()
	deadline := start.Add(10 * time.Second)
	for {
		// Attesting the same claim again publishes the same attestation:
		// it counts once however often it arrives.
		if err := attester.Reputation().Attest(ctx, claim); err != nil {
			t.Fatalf("attest: %v", err)
		}
		if got, known := observer.Reputation().Reputation(subject.PeerID()); known && got < reputation.Neutral {
			t.Logf("node2 scores node1 %.3f after %s", got, time.Since(start).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("node2's score for node1 did not drop below neutral within 10 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	want := 2.0 / 4.1 // an unstaked attester's weight
	if attester.Settlement() != nil {
		want = 2.0 / 5 // a fully staked attester's, once node2 read the stake
	}
	for {
		got, _ := observer.Reputation().Reputation(subject.PeerID())
		if got <= want+1e-9 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node2 scores node1 %.4f, want %.4f", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got, _ := attester.Reputation().Reputation(subject.PeerID()); got != 2.0/5 {
		t.Fatalf("node0 scores node1 %.4f from its own attestation, want 0.40", got)
	}

	c, err := client.FromDataDir(net.DataDir(2))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.Reputation(ctx, subject.PeerID(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Known || rep.Count != 1 || len(rep.Attestations) != 1 || rep.Attestations[0].Attester != attester.PeerID() ||
		rep.Attestations[0].Kind != reputation.KindLost || rep.Attestations[0].ExecutionID != claim.ExecutionID {
		t.Fatalf("GET /v1/reputation: %+v", rep)
	}
	var apiErr *client.Error
	if _, err := c.Reputation(ctx, "not-a-peer", -1); !errors.As(err, &apiErr) || apiErr.Status != 400 {
		t.Fatalf("reputation of a bad peer ID: %v", err)
	}

	// Node 2 places a job only node 1 may take, asking for just below neutral.
	for _, ok := observer.Catalog().Get(subject.PeerID()); !ok; _, ok = observer.Catalog().Get(subject.PeerID()) {
		if time.Now().After(deadline) {
			t.Fatal("node2 never saw node1's offer")
		}
		time.Sleep(50 * time.Millisecond)
	}
	spec := job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm, Wasm: &job.WasmModule{Inline: []byte("\x00asm\x01\x00\x00\x00")},
		Resources:   job.Resources{CPU: 10, Memory: 16 << 20, Disk: 1 << 20},
		Constraints: job.Constraints{Providers: []string{subject.PeerID()}, MinReputation: 0.49}}
	j, err := c.Submit(ctx, spec)
	var report sched.Report
	switch {
	case err != nil:
		// Refused outright: the message names the reason.
		if !strings.Contains(err.Error(), "reputation") {
			t.Fatalf("submit: %v; want a refusal for reputation", err)
		}
		t.Logf("refused: %v", err)
		return
	case j.State != job.StateQueued:
		t.Fatalf("job %s on %q, want it queued: node1's reputation is below the minimum", j.State, j.Provider)
	}
	defer func() { _ = c.Cancel(context.Background(), j.ID) }()
	if err := json.Unmarshal(j.Placement, &report); err != nil {
		t.Fatalf("placement report %s: %v", j.Placement, err)
	}
	found := false
	for _, nr := range report.Nodes {
		if nr.Node == subject.PeerID() {
			found = true
			if nr.Feasible || nr.Filter != "reputation" || !strings.Contains(nr.Reason, "below the job's minimum 0.49") {
				t.Fatalf("node1 in the placement report: %+v", nr)
			}
			t.Logf("placement report: %s: %s", nr.Filter, nr.Reason)
		}
	}
	if !found {
		t.Fatalf("node1 not in the placement report: %s", j.Placement)
	}
}
