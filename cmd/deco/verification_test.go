package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/requester"
)

// TestDescribeVerificationWithheld: deco job describe's verification
// section shows what each run was paid and, for the run that lost, the
// final interval withheld from it.
func TestDescribeVerificationWithheld(t *testing.T) {
	v := requester.Verification{Policy: "replicate(2)", Outcome: "disputed", Quorum: 2, Runs: []requester.VerifiedRun{
		{Role: "provider", Node: "cheat", ExecutionID: "e1", Digest: "sha256:bad", Paid: 0, Withheld: money.Amount(188)},
		{Role: "validator", Node: "honest", ExecutionID: "e2", Digest: "sha256:good", Paid: money.Amount(366)},
	}}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	describeVerification(&out, raw)
	lines := strings.Split(out.String(), "\n")
	find := func(node string) string {
		for _, l := range lines {
			if strings.Contains(l, node) {
				return l
			}
		}
		t.Fatalf("no line for %s in:\n%s", node, out.String())
		return ""
	}
	if !strings.Contains(out.String(), "WITHHELD") {
		t.Fatalf("no WITHHELD column:\n%s", out.String())
	}
	if l := find("cheat"); !strings.HasSuffix(strings.TrimSpace(l), money.Amount(188).String()) {
		t.Fatalf("the loser's line %q does not end with its withheld %s", l, money.Amount(188))
	}
	if l := find("honest"); !strings.HasSuffix(strings.TrimSpace(l), "-") {
		t.Fatalf("the validator's line %q: want nothing withheld", l)
	}
}
