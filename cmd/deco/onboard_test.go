package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
)

func TestPromptOnboard(t *testing.T) {
	view := api.OnboardingView{
		Machine: inventory.Machine{CPUCores: 8, Memory: 32 * job.GiB, GPUs: []inventory.GPU{{UUID: "GPU-a", Model: "NVIDIA T4", VRAM: 16 * job.GiB}}},
		Default: inventory.Share{CPU: 7000, Memory: 24 * job.GiB, Disk: 100 * job.GiB},
	}
	f := onboardFlags{cpuPrice: "0.01", memPrice: "0.005", diskPrice: "0", gpuPrice: "0.5"}
	// Answers: cores 4, memory default, disk 10GiB, GPUs default (all),
	// cpu price 0.02, memory price default, gpu price 1.25, region eu.
	in := strings.NewReader("4\n\n10GiB\n\n0.02\n\n1.25\neu\n")
	var out bytes.Buffer
	if err := promptOnboard(in, &out, view, &f); err != nil {
		t.Fatal(err)
	}
	pol, err := f.policy(view)
	if err != nil {
		t.Fatal(err)
	}
	if pol.Share.CPU != 4000 || pol.Share.Memory != 24*job.GiB || pol.Share.Disk != 10*job.GiB ||
		len(pol.Share.GPUs) != 1 || pol.Share.GPUs[0] != "GPU-a" {
		t.Fatalf("share %+v", pol.Share)
	}
	if pol.Prices.CPUHour != 20_000 || pol.Prices.MemoryGiBHour != 5_000 || pol.Prices.GPUHour != money.Unit*5/4 || pol.Region != "eu" {
		t.Fatalf("policy %+v", pol)
	}
	for _, q := range []string{"Cores to sell [7]", "Memory to sell [24GiB]", "GPUs to sell (all, none, or indexes) [all]"} {
		if !strings.Contains(out.String(), q) {
			t.Fatalf("prompt %q missing in:\n%s", q, out.String())
		}
	}
	// A closed terminal before all answers is an error, not a silent default.
	if err := promptOnboard(strings.NewReader("4\n"), &out, view, &f); err == nil {
		t.Fatal("truncated answers accepted")
	}
}
