package devnet_test

import (
	"context"
	"testing"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/store"
)

// TestRestartOnAFreshChainStartsChannelsAfresh: `deco devnet` restarted on
// the same directory gets a new dev chain and escrow. The payment channels
// of the old escrow are archived, so the first voucher on the new one pays
// for the new job only, not for the old ones again.
func TestRestartOnAFreshChainStartsChannelsAfresh(t *testing.T) {
	needDocker(t)
	ctx := context.Background()
	dir := t.TempDir()
	// paidJob runs a one-second container job and returns the requester's
	// channel total with its provider and that job's final amount due.
	paidJob := func(net *devnet.Net) (total, due int64, provider identity.Address) {
		t.Helper()
		c, err := client.FromDataDir(net.DataDir(0))
		if err != nil {
			t.Fatal(err)
		}
		j, _ := submitWait(t, c, job.Spec{APIVersion: job.APIVersion, Image: image, Command: []string{"sh", "-c", "sleep 1"}})
		if j.State != job.StateCompleted {
			t.Fatalf("job %s: %s", j.State, j.Error)
		}
		for _, n := range net.Nodes {
			if n.PeerID() == j.Provider {
				provider = n.Address()
			}
		}
		us, err := net.Nodes[0].Store().Usages(ctx, store.RoleRequester, j.ExecutionID)
		if err != nil || len(us) == 0 {
			t.Fatalf("usage reports of job %s: %v, %v", j.ID, us, err)
		}
		ch, err := net.Nodes[0].Requester().ChannelTotal(ctx, provider)
		if err != nil {
			t.Fatal(err)
		}
		return int64(ch), int64(us[len(us)-1].Report.AmountDue), provider
	}

	net := start(t, dir)
	total, due, prov := paidJob(net)
	if due <= 0 || total < due {
		t.Fatalf("first chain: job due %d, channel total %d; want a paid job", due, total)
	}
	net.Close()

	net = start(t, dir)
	defer net.Close()
	if got, err := net.Nodes[0].Requester().ChannelTotal(ctx, prov); err != nil || got != 0 {
		t.Fatalf("on the new chain the old channel shows %d, %v; want 0", got, err)
	}
	total, due, _ = paidJob(net)
	if due <= 0 || total != due {
		t.Fatalf("second chain: channel total %d, want the new job's %d alone", total, due)
	}
}
