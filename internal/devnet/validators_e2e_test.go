package devnet_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/devchain"
)

func TestDefaultQuorum(t *testing.T) {
	for _, tc := range []struct{ nodes, want int }{{2, 1}, {3, 1}, {4, 1}, {5, 2}, {6, 2}, {7, 3}, {9, 4}} {
		if got := devnet.DefaultQuorum(tc.nodes); got != tc.want {
			t.Errorf("DefaultQuorum(%d) = %d, want %d", tc.nodes, got, tc.want)
		}
	}
}

// TestValidatorsAndStakeOutOfTheBox: a devnet's escrow has every node as a
// validator and the default quorum, every provider has staked, and a
// verdict signed by a quorum of nodes slashes a provider on the dev chain.
func TestValidatorsAndStakeOutOfTheBox(t *testing.T) {
	net := startWith(t, devnet.Config{Nodes: 3, NoDocker: true})
	defer net.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req := net.Nodes[0].Settlement()
	vs, err := req.ValidatorSet(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if vs.Quorum != 1 || len(vs.Validators) != 3 || net.Validators.Quorum != 1 {
		t.Fatalf("validator set %+v (devnet says %+v), want the 3 nodes and quorum 1", vs, net.Validators)
	}
	for i, n := range net.Nodes {
		if !vs.Has(n.Address()) {
			t.Fatalf("node%d %s is not a validator: %+v", i, n.Address(), vs)
		}
		st, err := req.StakeOf(ctx, n.Address())
		want := devnet.DefaultStake
		if i == 0 {
			want = 0 // the requester does not stake
		}
		if err != nil || st.Amount != want {
			t.Fatalf("node%d stake %+v, %v; want %s", i, st, err, want)
		}
		bal, err := req.Balance(ctx, n.Address())
		if err != nil || bal != devchain.DefaultFundTokens-want {
			t.Fatalf("node%d balance %s, %v; want %s funded less %s staked", i, bal, err, devchain.DefaultFundTokens, want)
		}
	}

	// Node 2, a validator, signs a verdict against provider node 1; the
	// requester sends it and receives the slashed stake.
	prov := net.Nodes[1].Address()
	v := settle.Verdict{Provider: prov, Amount: 25 * money.Unit, DisputeID: [32]byte{0xde, 0x0}, Beneficiary: net.Nodes[0].Address()}
	sig, err := net.Nodes[2].Settlement().SignVerdict(v)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := req.Balance(ctx, net.Nodes[0].Address())
	if _, err := req.Slash(ctx, v, [][]byte{sig}); err != nil {
		t.Fatalf("slash on a quorum of the devnet's validators: %v", err)
	}
	if st, _ := req.StakeOf(ctx, prov); st.Amount != devnet.DefaultStake-25*money.Unit {
		t.Fatalf("stake after the slash %s, want %s - 25", st.Amount, devnet.DefaultStake)
	}
	if after, _ := req.Balance(ctx, net.Nodes[0].Address()); after != before+25*money.Unit {
		t.Fatalf("requester balance %s after the slash, want %s + 25", after, before)
	}
	if _, err := req.Slash(ctx, v, [][]byte{sig}); !errors.Is(err, settle.ErrDisputeUsed) {
		t.Fatalf("the same verdict again: %v, want ErrDisputeUsed", err)
	}
}

// TestQuorumAndStakeOverride: Config.Quorum replaces the default, and a
// negative Config.Stake stakes nothing.
func TestQuorumAndStakeOverride(t *testing.T) {
	net := startWith(t, devnet.Config{Nodes: 3, NoDocker: true, Quorum: 3, Stake: -1})
	defer net.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := net.Nodes[0].Settlement()
	vs, err := s.ValidatorSet(ctx)
	if err != nil || vs.Quorum != 3 || len(vs.Validators) != 3 {
		t.Fatalf("validator set %+v, %v; want 3 of 3", vs, err)
	}
	for i, n := range net.Nodes {
		if st, err := s.StakeOf(ctx, n.Address()); err != nil || st.Amount != 0 {
			t.Fatalf("node%d stake %+v, %v; want none", i, st, err)
		}
	}
	if net.Stake() != 0 {
		t.Fatalf("devnet reports a stake of %s, want none", net.Stake())
	}
}

// TestQuorumAboveNodesRefused: a quorum the escrow cannot hold is refused
// at start.
func TestQuorumAboveNodesRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	net, err := devnet.Start(ctx, devnet.Config{Nodes: 2, Dir: t.TempDir(), NoDocker: true, Quorum: 3})
	if !errors.Is(err, devchain.ErrBadValidators) {
		if net != nil {
			net.Close()
		}
		t.Fatalf("devnet with quorum 3 of 2 nodes: %v, want ErrBadValidators", err)
	}
}
