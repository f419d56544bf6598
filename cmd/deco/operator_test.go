package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/devnet"
)

// TestOperatorCommandsAgainstDevnet drives the operator's CLI: make the
// key, certify node 1 and install the certificate, publish a policy with a
// pool selling a spec through node 1, and see it from node 0: the node in
// the pool (deco operator nodes), the spec for sale (deco offers), the
// policy (deco operator policy show).
func TestOperatorCommandsAgainstDevnet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	net, err := devnet.Start(ctx, devnet.Config{Nodes: 3, Dir: t.TempDir(), NoDocker: true, NoChain: true})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	opDir := filepath.Join(t.TempDir(), "operator")
	t.Setenv("DECO_OPERATOR_PASSPHRASE", "correct horse battery staple")
	out, _, err := deco(t, "operator", "init", "--operator-dir", opDir)
	if err != nil || !strings.HasPrefix(out, "operator 0x") {
		t.Fatalf("init: %q %v", out, err)
	}
	if _, _, err := deco(t, "operator", "init", "--operator-dir", opDir); err == nil || !strings.Contains(err.Error(), "already holds an operator key") {
		t.Fatalf("second init: %v", err)
	}
	node1 := net.Nodes[1].PeerID()
	if _, stderr, err := deco(t, "--data-dir", net.DataDir(1), "operator", "add-node", node1, "--install", "--operator-dir", opDir); err != nil ||
		!strings.Contains(stderr, "installed: node "+node1) {
		t.Fatalf("add-node --install: %q %v", stderr, err)
	}
	policy := filepath.Join(t.TempDir(), "farm.yaml")
	if err := os.WriteFile(policy, []byte(`pools:
  - name: farm
    nodes: [`+node1+`]
    specs: [small]
specs:
  - name: small
    resources: {cpu: 1, memory: 512MiB}
    pricePerHour: 2.5
`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, err := deco(t, "--data-dir", net.DataDir(1), "operator", "policy", "apply", policy, "--operator-dir", opDir); err != nil ||
		!strings.Contains(out, "1 pools, 0 groups, 1 specs") {
		t.Fatalf("policy apply: %q %v", out, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, _, err := deco(t, "--data-dir", net.DataDir(0), "operator", "nodes", "--operator-dir", opDir)
		if err == nil && strings.Contains(out, node1) && strings.Contains(out, "farm") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("operator nodes never showed node1 in farm: %q %v", out, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, _, err = deco(t, "--data-dir", net.DataDir(0), "offers")
	if err != nil || !strings.Contains(out, "Resource specs") || !strings.Contains(out, "small") || !strings.Contains(out, "2.5/h") {
		t.Fatalf("offers: %q %v", out, err)
	}
	out, _, err = deco(t, "--data-dir", net.DataDir(0), "operator", "policy", "show")
	if err != nil || !strings.Contains(out, "pool farm: 1 nodes, sells small") || !strings.Contains(out, "spec small: 1 cores, 512MiB memory, 2.5/h") {
		t.Fatalf("policy show: %q %v", out, err)
	}
	// A policy file with a mistake is refused before anything is signed.
	if err := os.WriteFile(policy, []byte("pools:\n  - name: farm\n    nodez: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := deco(t, "--data-dir", net.DataDir(1), "operator", "policy", "apply", policy, "--operator-dir", opDir); err == nil ||
		!strings.Contains(err.Error(), "nodez") {
		t.Fatalf("bad policy file: %v", err)
	}
	if out, _, err := deco(t, "--data-dir", net.DataDir(0), "billing", "-o", "csv"); err != nil || !strings.HasPrefix(out, "job,executions,machine_hours,due,paid\ntotal,0,") {
		t.Fatalf("billing csv: %q %v", out, err)
	}
	if _, _, err := deco(t, "--data-dir", net.DataDir(0), "offers", "-o", "csv"); err == nil {
		t.Fatal("-o csv accepted by a command without CSV")
	}
}
