package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
)

// TestTimeLockNeedsNVIDIA: on a provider whose GPUs are AMD (which the
// time-lock cannot sample), a time-locked task with a GPU is refused at
// the quote, saying why, and the GPU stays free; a batch job on the same
// GPU, and a service job without one, are quoted.
func TestTimeLockNeedsNVIDIA(t *testing.T) {
	e := newHostileEnv(t)
	const gib = 1 << 30
	if err := e.p.SetOnboarding(context.Background(), Onboarding{
		Machine: inventory.Machine{CPUCores: 4, Memory: 8 * gib, DiskTotal: 100 * gib, DiskFree: 100 * gib,
			GPUs: []inventory.GPU{{Index: 0, UUID: "GPU-amd-0", Vendor: inventory.VendorAMD, Model: "AMD Instinct MI210", VRAM: 64 * gib}}},
		Policy: Policy{Share: inventory.Share{CPU: 2000, Memory: 2 * gib, Disk: 10 * gib, GPUs: []string{"GPU-amd-0"}},
			Prices: offer.Prices{CPUHour: money.Unit / 10, GPUHour: money.Unit}},
	}); err != nil {
		t.Fatal(err)
	}
	spec := func(kind string, gpus int) job.Spec {
		s := testSpec()
		s.Kind, s.Resources.GPUs = kind, gpus
		if kind == job.KindService {
			s.Command = []string{"sleep", "60"}
		}
		s.ApplyDefaults()
		return s
	}
	if _, q, msg := e.askQuote(t, e.req, e.reqKey, job.NewID(), spec(job.KindService, 1)); q != nil || !strings.Contains(msg, "cannot prove a time-lock on amd GPUs") {
		t.Fatalf("a service job on an AMD GPU: quote %v, %q", q, msg)
	}
	if _, q, msg := e.askQuote(t, e.req, e.reqKey, job.NewID(), spec("", 1)); q == nil {
		t.Fatalf("a batch job on the AMD GPU (the GPU left free by the refusal): %s", msg)
	}
	if _, q, msg := e.askQuote(t, e.req, e.reqKey, job.NewID(), spec(job.KindService, 0)); q == nil {
		t.Fatalf("a service job without a GPU: %s", msg)
	}
}
