package devnet_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/store"
)

// TestProviderKilledBeforeStartGetsNothing: the provider's daemon dies while
// the task is still preparing (its input download hangs); the requester
// declares it lost, the job completes on the other provider, and the dead
// provider was never reported to nor paid.
func TestProviderKilledBeforeStartGetsNothing(t *testing.T) {
	needDocker(t)
	payload := []byte("input data\n")
	sum := sha256.Sum256(payload)
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			select { // the first download hangs until the test ends
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.Write(payload)
	}))
	defer srv.Close()
	defer close(release)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	net := startWith(t, devnet.Config{HeartbeatTimeout: 2 * time.Second, UsageInterval: 500 * time.Millisecond})
	defer net.Close()
	c, _ := client.FromDataDir(net.DataDir(0))
	j, err := c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Command: []string{"cat", "/inputs/d"},
		Inputs: []job.Input{{Name: "d", URL: srv.URL + "/d", SHA256: hex.EncodeToString(sum[:])}}})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, c, j.ID, job.StatePreparing)
	for hits.Load() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	first := 1
	if j.Provider == net.Nodes[2].PeerID() {
		first = 2
	}
	deadAddr := net.Nodes[first].Address()
	net.Nodes[first].Close() // the provider dies before the task starts

	got, logs := waitDone(t, c, j.ID)
	if got.State != job.StateCompleted || logs != string(payload) || got.Provider == j.Provider {
		t.Fatalf("job %s on %s (%s), logs %q; want completed on the other provider", got.State, got.Provider, got.Error, logs)
	}
	d, _ := c.Job(ctx, j.ID)
	if len(d.Attempts) != 2 || d.Attempts[0].State != job.StateLost || d.Attempts[0].Provider != j.Provider {
		t.Fatalf("attempts %+v", d.Attempts)
	}
	req := net.Nodes[0]
	reports, err := req.Store().Usages(ctx, store.RoleRequester, d.Attempts[0].ExecutionID)
	if err != nil || len(reports) != 0 {
		t.Fatalf("the dead provider reported %d usages (%v)", len(reports), err)
	}
	vouchers, _ := req.Store().Vouchers(ctx, store.RoleRequester, d.Attempts[0].ExecutionID)
	if len(vouchers) != 0 {
		t.Fatalf("the requester signed %d vouchers for the dead provider", len(vouchers))
	}
	if owed, _ := req.Requester().ChannelTotal(ctx, deadAddr); owed != 0 {
		t.Fatalf("the requester owes the dead provider %s", owed)
	}
	paidOK, _ := req.Store().Usages(ctx, store.RoleRequester, d.Attempts[1].ExecutionID)
	if len(paidOK) == 0 {
		t.Fatal("the provider that ran the task reported no usage")
	}
}
