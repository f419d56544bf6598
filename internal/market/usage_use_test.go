package market

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/signer/core/apitypes"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
)

func TestMeteredReportSignsItsUse(t *testing.T) {
	prov, _ := identity.Generate(rand.Reader)
	req, _ := identity.Generate(rand.Reader)
	d := testDeal(t, prov, req, Terms{PerHour: 3600 * money.Unit, MaxAmount: 5 * money.Unit})
	use := Use{CPUMillis: 1500, MemoryPeak: 64 << 20, GPUMillis: 900, GPUMemoryPeak: 2 << 30}
	good, err := NewMeteredReport(prov, d, 2, 3*time.Second, use, false)
	if err != nil {
		t.Fatal(err)
	}
	check := UsageCheck{Deal: d, LastSeq: 1, Elapsed: 3 * time.Second, Slack: time.Second,
		Last: Use{CPUMillis: 1000, MemoryPeak: 32 << 20}}
	if err := CheckUsage(good, check); err != nil {
		t.Fatalf("good report refused: %v", err)
	}
	// Each measured field is under the signature: changing any one of
	// them after signing is a forgery.
	edits := map[string]func(*UsageReport){
		"cpuMillis":     func(u *UsageReport) { u.CPUMillis++ },
		"memoryPeak":    func(u *UsageReport) { u.MemoryPeak-- },
		"gpuMillis":     func(u *UsageReport) { u.GPUMillis = 0 },
		"gpuMemoryPeak": func(u *UsageReport) { u.GPUMemoryPeak <<= 1 },
	}
	for name, edit := range edits {
		t.Run("edited "+name, func(t *testing.T) {
			u := good
			edit(&u)
			if err := CheckUsage(u, check); !errors.Is(err, ErrUsageSignature) {
				t.Fatalf("err = %v, want %v", err, ErrUsageSignature)
			}
		})
	}
	t.Run("use falls below the last report's", func(t *testing.T) {
		c := check
		c.Last.CPUMillis = 2000
		if err := CheckUsage(good, c); !errors.Is(err, ErrUsageUse) {
			t.Fatalf("err = %v, want %v", err, ErrUsageUse)
		}
	})
	t.Run("json round trip keeps the signature valid", func(t *testing.T) {
		b, err := json.Marshal(good)
		if err != nil {
			t.Fatal(err)
		}
		var back UsageReport
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.Use != use {
			t.Fatalf("use after round trip = %+v, want %+v (json %s)", back.Use, use, b)
		}
		if err := CheckUsage(back, check); err != nil {
			t.Fatal(err)
		}
	})
}

// TestUsageReportHashMatchesGoEthereum checks the report's EIP-712 digest,
// measured use included, against go-ethereum's typed-data hashing: what a
// wallet or a contract computes for the same report.
func TestUsageReportHashMatchesGoEthereum(t *testing.T) {
	u := UsageReport{Execution: "x1", Seq: 3, RunMillis: 12000, AmountDue: 42,
		Use: Use{CPUMillis: 11000, MemoryPeak: 1 << 20, GPUMillis: 7000, GPUMemoryPeak: 1 << 30}}
	td := apitypes.TypedData{
		Types: apitypes.Types{
			"EIP712Domain": {{Name: "name", Type: "string"}, {Name: "version", Type: "string"}},
			"UsageReport": {{Name: "execution", Type: "string"}, {Name: "seq", Type: "uint64"}, {Name: "runMillis", Type: "uint64"},
				{Name: "amountDue", Type: "uint256"}, {Name: "cpuMillis", Type: "uint64"}, {Name: "memoryPeak", Type: "uint64"},
				{Name: "gpuMillis", Type: "uint64"}, {Name: "gpuMemoryPeak", Type: "uint64"}},
		},
		PrimaryType: "UsageReport",
		Domain:      apitypes.TypedDataDomain{Name: "deco", Version: "1"},
		Message: apitypes.TypedDataMessage{"execution": "x1", "seq": "3", "runMillis": "12000", "amountDue": "42",
			"cpuMillis": "11000", "memoryPeak": "1048576", "gpuMillis": "7000", "gpuMemoryPeak": "1073741824"},
	}
	want, _, err := apitypes.TypedDataAndHash(td)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Hash(); !bytes.Equal(got, want) {
		t.Fatalf("hash %x, go-ethereum %x", got, want)
	}
}

func TestCheckAllotment(t *testing.T) {
	prov, _ := identity.Generate(rand.Reader)
	req, _ := identity.Generate(rand.Reader)
	d := testDeal(t, prov, req, Terms{PerHour: 3600 * money.Unit, MaxAmount: 5 * money.Unit})
	two := job.Resources{CPU: 2000, Memory: 256 << 20}
	gpu := job.Resources{CPU: 1000, Memory: 1 << 30, GPUs: 1}
	for _, c := range []struct {
		name string
		use  Use
		r    job.Resources
		ok   bool
	}{
		{"within two cores", Use{CPUMillis: 2 * 4000, MemoryPeak: 200 << 20}, two, true},
		{"two cores and the tolerance", Use{CPUMillis: 11000}, two, true}, // (4 s + 1 s slack) × 2 × 1.1
		{"more than two cores can", Use{CPUMillis: 11001}, two, false},
		{"memory at its limit", Use{MemoryPeak: 256 << 20}, two, true},
		{"memory far over its limit", Use{MemoryPeak: 300 << 20}, two, false},
		{"GPU time on no GPU", Use{GPUMillis: 1}, two, false},
		{"GPU time on one GPU", Use{GPUMillis: 5000}, gpu, true},
		{"GPU time beyond one GPU", Use{GPUMillis: 5501}, gpu, false},
		{"allotment unknown", Use{CPUMillis: 1 << 40, GPUMillis: 1}, job.Resources{}, true},
	} {
		u, err := NewMeteredReport(prov, d, 2, 4*time.Second, c.use, false)
		if err != nil {
			t.Fatal(err)
		}
		err = CheckUsage(u, UsageCheck{Deal: d, LastSeq: 1, Elapsed: 4 * time.Second, Slack: time.Second, Resources: c.r})
		if c.ok != (err == nil) || (err != nil && !errors.Is(err, ErrUsageUse)) {
			t.Errorf("%s: CheckUsage = %v, want ok %v", c.name, err, c.ok)
		}
	}
}
