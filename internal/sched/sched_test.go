package sched

import (
	"errors"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
)

func mkOffer(node string, cpu job.MilliCPU, mem job.ByteSize, cpuHour money.Amount) offer.Offer {
	r := job.Resources{CPU: cpu, Memory: mem, Disk: 10 << 30}
	return offer.Offer{Node: node, Free: r, Total: r, Executors: []string{"docker"}, Prices: offer.Prices{CPUHour: cpuHour}}
}

func spec(cpu job.MilliCPU, mem job.ByteSize) job.Spec {
	return job.Spec{Executor: "docker", Image: "x", Resources: job.Resources{CPU: cpu, Memory: mem, Disk: 1 << 30}}
}

func TestFilters(t *testing.T) {
	gpuOffer := mkOffer("g", 8000, 32<<30, money.Unit)
	gpuOffer.GPUs = []offer.GPU{{Vendor: "nvidia", Model: "NVIDIA A100-SXM4-80GB", VRAM: 80 << 30}, {Vendor: "nvidia", Model: "NVIDIA T4", VRAM: 16 << 30}}
	wasmOnly := mkOffer("w", 8000, 32<<30, 0)
	wasmOnly.Executors = []string{"wasm"}
	busy := mkOffer("b", 1000, 1<<30, 0)
	busy.Total = job.Resources{CPU: 8000, Memory: 32 << 30, Disk: 10 << 30}

	withGPU := func(n int, sel job.GPUSelector) job.Spec {
		s := spec(1000, 1<<30)
		s.Resources.GPUs, s.Resources.GPU = n, sel
		return s
	}
	priced := spec(2000, 1<<30)
	priced.MaxPricePerHour = money.Unit

	tests := []struct {
		name   string
		f      Filter
		spec   job.Spec
		o      offer.Offer
		code   Code
		reason string
	}{
		{"executor ok", ExecutorFilter{}, spec(1000, 1<<30), gpuOffer, Fits, ""},
		{"executor missing", ExecutorFilter{}, spec(1000, 1<<30), wasmOnly, UnschedulableForever, "does not run the docker executor"},
		{"cpu busy now", ResourcesFilter{}, spec(2000, 1<<30), busy, Unschedulable, "cpu: needs 2 cores, 1 cores free"},
		{"cpu never", ResourcesFilter{}, spec(16000, 1<<30), busy, UnschedulableForever, "cpu: needs 16 cores"},
		{"memory", ResourcesFilter{}, spec(1000, 4<<30), busy, Unschedulable, "memory: needs 4GiB, 1GiB free"},
		{"gpu model ok", GPUFilter{}, withGPU(1, job.GPUSelector{Model: "a100"}), gpuOffer, Fits, ""},
		{"gpu vram too small", GPUFilter{}, withGPU(2, job.GPUSelector{MinVRAM: 40 << 30}), gpuOffer, Unschedulable, "needs 2 GPUs matching"},
		{"gpu none", GPUFilter{}, withGPU(1, job.GPUSelector{}), busy, Unschedulable, "gpu: needs 1 GPUs, 0 free"},
		{"price above max", PriceFilter{}, priced, mkOffer("p", 8000, 8<<30, money.Unit), Unschedulable, "price: 2/h for this task, above the job's maximum 1/h"},
		{"price within", PriceFilter{}, priced, mkOffer("p", 8000, 8<<30, money.Unit/2), Fits, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.f.Filter(&Request{Spec: tc.spec}, &tc.o)
			if st.Code != tc.code || !strings.Contains(st.Reason, tc.reason) {
				t.Fatalf("got %v %q, want %v containing %q", st.Code, st.Reason, tc.code, tc.reason)
			}
		})
	}
}

func TestPlacePicksCheapestAndReportsEveryNode(t *testing.T) {
	offers := []offer.Offer{
		mkOffer("dear", 8000, 8<<30, 3*money.Unit),
		mkOffer("cheap", 8000, 8<<30, money.Unit),
		mkOffer("small", 500, 8<<30, 0),
	}
	rep, err := Default().Place(spec(1000, 1<<30), offers)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Chosen != "cheap" || rep.Considered != 3 || rep.Feasible != 2 {
		t.Fatalf("report %+v", rep)
	}
	byNode := map[string]NodeReport{}
	for _, n := range rep.Nodes {
		byNode[n.Node] = n
	}
	if byNode["small"].Feasible || byNode["small"].Filter != "resources" {
		t.Fatalf("small: %+v", byNode["small"])
	}
	if byNode["cheap"].Score != 100 || byNode["dear"].Score != 0 {
		t.Fatalf("scores %+v", rep.Nodes)
	}
}

func TestPlaceNoFitListsReasons(t *testing.T) {
	_, err := Default().Place(spec(64000, 1<<30), []offer.Offer{mkOffer("a", 8000, 8<<30, 0), mkOffer("b", 4000, 8<<30, 0)})
	var nf *NoFitError
	if !errors.As(err, &nf) || !errors.Is(err, ErrNoFit) {
		t.Fatalf("err %v", err)
	}
	for _, want := range []string{"2 offers considered", "a: cpu: needs 64 cores, 8 cores free", "b: cpu: needs 64 cores, 4 cores free"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q lacks %q", err, want)
		}
	}
	_, err = Default().Place(spec(1000, 1<<30), nil)
	if !strings.Contains(err.Error(), "no offers known yet") {
		t.Fatalf("empty catalog: %v", err)
	}
}
