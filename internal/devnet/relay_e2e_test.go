package devnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
)

// TestRelayedJobNetworkEndToEnd runs a job with links on a devnet whose
// provider node2 is firewalled (it accepts no connection and dials only
// node 0): its task and the one on node1 exchange a line over TCP on the
// job network, which can only run through node 0's relay, and every
// connection between the two providers while the job runs is relayed.
func TestRelayedJobNetworkEndToEnd(t *testing.T) {
	init := needLinks(t)
	net := startWith(t, devnet.Config{TaskInit: init, Firewalled: []int{2}})
	defer net.Close()
	p1, p2, relay := net.Nodes[1], net.Nodes[2], net.Nodes[0].PeerID()
	for _, a := range p2.Addrs() {
		if !strings.Contains(a, "/p2p-circuit") {
			t.Fatalf("the firewalled provider advertises a direct address %s", a)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err := p2.Connect(ctx, p1.Addrs()[0])
	cancel()
	if err == nil {
		t.Fatal("the firewalled provider connected to node1 directly")
	}

	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	script := "set -e\n" + sendToTask1
	spec := job.Spec{APIVersion: job.APIVersion, Image: image, Tasks: 2, Network: job.NetworkPolicy{Links: true},
		Command: []string{"sh", "-c", script}}

	// Record the connections between the providers while the job runs.
	var (
		mu    sync.Mutex
		conns []string
	)
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			for _, a := range append(p1.ConnAddrs(p2.PeerID()), p2.ConnAddrs(p1.PeerID())...) {
				mu.Lock()
				if !slices.Contains(conns, a) {
					conns = append(conns, a)
				}
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	j, err := c.Submit(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var buf bytes.Buffer
	if err := c.Logs(ctx, j.ID, true, &buf); err != nil {
		d, _ := c.Job(context.Background(), j.ID)
		b, _ := json.MarshalIndent(d, "", " ")
		t.Fatalf("follow logs: %v\n%s\n%s", err, buf.String(), b)
	}
	close(stop)
	<-sampled
	got, logs := waitDone(t, c, j.ID)
	if got.State != job.StateCompleted {
		t.Fatalf("job ended %s: %s\n%s", got.State, got.Error, logs)
	}
	d, err := c.Job(context.Background(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	providers := []string{d.Tasks[0].Provider, d.Tasks[1].Provider}
	if !slices.Contains(providers, p1.PeerID()) || !slices.Contains(providers, p2.PeerID()) {
		t.Fatalf("tasks ran on %v, want one on node1 (%s) and one on the firewalled node2 (%s)", providers, p1.PeerID(), p2.PeerID())
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := c.Outputs(context.Background(), j.ID, out); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(out, "task-1", "got")); got != "hello from task 0\n" {
		t.Fatalf("task 1 received %q over the job network", got)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(conns) == 0 {
		t.Fatal("no connection between the providers was seen while the job ran")
	}
	for _, a := range conns {
		if !strings.Contains(a, "/p2p/"+relay+"/p2p-circuit") {
			t.Errorf("the providers were connected at %s, not through node 0's relay", a)
		}
	}
	t.Logf("connections between the providers: %v", conns)
}

func TestRelayDevnetRefusesFirewalledRequester(t *testing.T) {
	for _, bad := range [][]int{{0}, {3}, {1, -1}} {
		if net, err := devnet.Start(context.Background(), devnet.Config{Nodes: 3, Dir: t.TempDir(), NoChain: true, Firewalled: bad}); err == nil {
			net.Close()
			t.Errorf("Firewalled %v accepted: only providers (1 to 2) can be firewalled", bad)
		}
	}
}
