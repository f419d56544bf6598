package devchain_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/settle/devchain"
)

// contractsDir is the repository's contracts/ folder: the npm packages
// (solc, ethers) under node_modules and the compiled artifacts under build.
const contractsDir = "../../../contracts"

// needEthers returns node's path, or skips the test without node or ethers
// (npm ci --prefix contracts installs it), unless DECO_REQUIRE_ETHERS=1.
func needEthers(t *testing.T) string {
	t.Helper()
	skip := t.Skipf
	if os.Getenv("DECO_REQUIRE_ETHERS") == "1" {
		skip = t.Fatalf
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("no node: %v", err)
		return ""
	}
	if _, err := os.Stat(filepath.Join(contractsDir, "node_modules", "ethers", "package.json")); err != nil {
		skip("no ethers (npm ci --prefix contracts): %v", err)
		return ""
	}
	return node
}

// TestEthersConformance runs a standard Ethereum client, npm ethers v6,
// through what wallets and tools do against the dev chain's JSON-RPC
// server (testdata/ethers/conformance.mjs lists the checks); the first
// check that fails fails the test with its name and reason.
func TestEthersConformance(t *testing.T) {
	node := needEthers(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	chain, err := devchain.Start(ctx, devchain.Config{Fund: []identity.Address{identity.Address(from)}})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	info := chain.Info()
	contracts, err := filepath.Abs(contractsDir)
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "ethers", "conformance.mjs"))
	cmd.Env = append(os.Environ(),
		"DECO_RPC_URL="+info.RPCURL,
		"DECO_CHAIN_ID="+strconv.FormatUint(info.ChainID, 10),
		"DECO_PRIVATE_KEY=0x"+hex.EncodeToString(crypto.FromECDSA(key)),
		"DECO_TOKEN="+common.Address(info.Token).Hex(),
		"DECO_CONTRACTS="+contracts,
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndex(msg, "\nFAIL "); i >= 0 {
			t.Logf("node's stderr:\n%s", msg[:i])
			msg = msg[i+1:]
		}
		t.Fatalf("ethers conformance: %v\n%s", err, msg)
	}
	var report struct {
		Ethers string `json:"ethers"`
		Checks []struct {
			Name   string          `json:"name"`
			MS     int             `json:"ms"`
			Detail json.RawMessage `json:"detail"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
		t.Fatalf("ethers conformance report %q: %v", stdout.String(), err)
	}
	if !strings.HasPrefix(report.Ethers, "6.") || len(report.Checks) == 0 {
		t.Fatalf("ethers %q ran %d checks", report.Ethers, len(report.Checks))
	}
	for _, c := range report.Checks {
		t.Logf("ethers %s: %s (%d ms) %s", report.Ethers, c.Name, c.MS, c.Detail)
	}
}
