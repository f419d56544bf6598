package inventory

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/deco-network/deco/internal/job"
)

// ledgerGPUs: two 80GiB A100s, one 24GiB RTX 4090, and an AMD MI300X.
func ledgerGPUs() []GPU {
	return []GPU{
		{Index: 0, UUID: "GPU-a100-0", Vendor: "nvidia", Model: "NVIDIA A100-SXM4-80GB", VRAM: 80 * gib},
		{Index: 1, UUID: "GPU-a100-1", Vendor: "nvidia", Model: "NVIDIA A100-SXM4-80GB", VRAM: 80 * gib},
		{Index: 2, UUID: "GPU-4090", Vendor: "nvidia", Model: "NVIDIA GeForce RTX 4090", VRAM: 24 * gib},
		{Index: 0, UUID: "0xmi300", Vendor: "amd", Model: "AMD Instinct MI300X", VRAM: 192 * gib},
	}
}

func newTestLedger() *Ledger {
	return NewLedger(job.Resources{CPU: 16000, Memory: 64 * gib, Disk: 500 * gib, GPUs: 99}, ledgerGPUs())
}

func TestLedgerReserve(t *testing.T) {
	tests := []struct {
		name       string
		before     []job.Resources // reserved first, as "before-0", "before-1", ...
		req        job.Resources
		wantGPUs   []string
		wantVendor string
		wantErr    string // substring; the error must wrap ErrInsufficient
	}{
		{name: "cpu and memory only", req: job.Resources{CPU: 4000, Memory: 8 * gib}},
		{name: "everything", req: job.Resources{CPU: 16000, Memory: 64 * gib, Disk: 500 * gib}},
		{name: "one GPU, smallest first", req: job.Resources{GPUs: 1}, wantGPUs: []string{"GPU-4090"}, wantVendor: "nvidia"},
		{name: "model substring, any case", req: job.Resources{GPUs: 2, GPU: job.GPUSelector{Model: "a100"}},
			wantGPUs: []string{"GPU-a100-0", "GPU-a100-1"}, wantVendor: "nvidia"},
		{name: "min VRAM", req: job.Resources{GPUs: 1, GPU: job.GPUSelector{MinVRAM: 100 * gib}},
			wantGPUs: []string{"0xmi300"}, wantVendor: "amd"},
		{name: "vendor", req: job.Resources{GPUs: 1, GPU: job.GPUSelector{Vendor: "amd"}},
			wantGPUs: []string{"0xmi300"}, wantVendor: "amd"},
		{name: "three GPUs come from one vendor", req: job.Resources{GPUs: 3},
			wantGPUs: []string{"GPU-4090", "GPU-a100-0", "GPU-a100-1"}, wantVendor: "nvidia"},
		{name: "held GPUs are skipped", before: []job.Resources{{GPUs: 1, GPU: job.GPUSelector{Model: "A100"}}},
			req: job.Resources{GPUs: 1, GPU: job.GPUSelector{Model: "A100"}}, wantGPUs: []string{"GPU-a100-1"}, wantVendor: "nvidia"},
		{name: "cpu short", before: []job.Resources{{CPU: 14500}}, req: job.Resources{CPU: 4000},
			wantErr: "cpu: asked for 4 cores, 1.5 free, short by 2.5"},
		{name: "memory short", req: job.Resources{Memory: 100 * gib},
			wantErr: "memory: asked for 100GiB, 64GiB free, short by 36GiB"},
		{name: "disk short", before: []job.Resources{{Disk: 499 * gib}}, req: job.Resources{Disk: 1536 * mib},
			wantErr: "disk: asked for 1.5GiB, 1GiB free, short by 512MiB"},
		{name: "several dimensions short", req: job.Resources{CPU: 32000, Memory: 128 * gib},
			wantErr: "cpu: asked for 32 cores, 16 free, short by 16; memory: asked for 128GiB, 64GiB free, short by 64GiB"},
		{name: "GPUs of one vendor short", req: job.Resources{GPUs: 4},
			wantErr: "gpu: asked for 4 GPU(s), 3 free of 4 matching, short by 1"},
		{name: "matching GPU held", before: []job.Resources{{GPUs: 2, GPU: job.GPUSelector{Model: "A100"}}},
			req:     job.Resources{GPUs: 1, GPU: job.GPUSelector{Vendor: "nvidia", Model: "A100", MinVRAM: 40 * gib}},
			wantErr: `gpu: asked for 1 GPU(s) (vendor "nvidia", model "A100", at least 40GiB VRAM), 0 free of 2 matching, short by 1`},
		{name: "no GPU matches", req: job.Resources{GPUs: 1, GPU: job.GPUSelector{Model: "H100"}},
			wantErr: `gpu: asked for 1 GPU(s) (model "H100"), none of the 4 GPUs match`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newTestLedger()
			for i, r := range tc.before {
				if _, err := l.Reserve(fmt.Sprintf("before-%d", i), r); err != nil {
					t.Fatal(err)
				}
			}
			freeBefore, gpusBefore := l.Free()
			a, err := l.Reserve("exec-1", tc.req)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrInsufficient) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want ErrInsufficient containing %q", err, tc.wantErr)
				}
				if free, gpus := l.Free(); !free.Equal(freeBefore) || !slices.Equal(gpus, gpusBefore) {
					t.Errorf("a failed reservation changed free capacity: %+v -> %+v", freeBefore, free)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.ID != "exec-1" || !a.Resources.Equal(tc.req) || !slices.Equal(a.GPUs, tc.wantGPUs) || a.Vendor != tc.wantVendor {
				t.Errorf("allocation %+v, want GPUs %q vendor %q", a, tc.wantGPUs, tc.wantVendor)
			}
			free, gpus := l.Free()
			wantFree := freeBefore.Sub(job.Resources{CPU: tc.req.CPU, Memory: tc.req.Memory, Disk: tc.req.Disk, GPUs: len(tc.wantGPUs)})
			if !free.Equal(wantFree) || len(gpus) != free.GPUs {
				t.Errorf("free %+v (%d GPUs listed), want %+v", free, len(gpus), wantFree)
			}
			for _, g := range gpus {
				if slices.Contains(a.GPUs, g.UUID) {
					t.Errorf("GPU %s is both allocated and free", g.UUID)
				}
			}
		})
	}
}

func TestLedgerLifecycle(t *testing.T) {
	l := newTestLedger()
	total, gpus := l.Total()
	if total.GPUs != 4 || len(gpus) != 4 {
		t.Fatalf("total %+v: the GPU count must come from the GPU list", total)
	}
	a, err := l.Reserve("exec-1", job.Resources{CPU: 2000, Memory: 4 * gib, GPUs: 1, GPU: job.GPUSelector{Vendor: "amd"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Reserve("exec-1", job.Resources{CPU: 1000}); !errors.Is(err, ErrHeld) {
		t.Errorf("re-reserving exec-1: %v, want ErrHeld", err)
	}
	if _, err := l.Reserve("", job.Resources{CPU: 1000}); err == nil {
		t.Error("empty id accepted")
	}
	if _, err := l.Reserve("neg", job.Resources{CPU: -1}); err == nil || errors.Is(err, ErrInsufficient) {
		t.Errorf("negative request: %v", err)
	}
	got, ok := l.Allocation("exec-1")
	if !ok || !slices.Equal(got.GPUs, a.GPUs) || got.Vendor != "amd" {
		t.Errorf("Allocation(exec-1) = %+v, %v", got, ok)
	}
	got.GPUs[0] = "mutated"
	if again, _ := l.Allocation("exec-1"); again.GPUs[0] != "0xmi300" {
		t.Error("Allocation returns the ledger's own slice")
	}
	holds := l.Holds()
	if want := map[string]job.Resources{"exec-1": a.Resources}; !maps.EqualFunc(holds, want, job.Resources.Equal) {
		t.Errorf("holds %+v, want %+v", holds, want)
	}

	// The owner halves the share: exec-1 stays held.
	l.SetTotal(job.Resources{CPU: 1000, Memory: 2 * gib, Disk: 10 * gib}, ledgerGPUs()[:2])
	free, freeGPUs := l.Free()
	if want := (job.Resources{CPU: 0, Memory: 0, Disk: 10 * gib, GPUs: 2}); !free.Equal(want) || len(freeGPUs) != 2 {
		t.Errorf("after shrinking: free %+v, want %+v", free, want)
	}
	if _, ok := l.Holds()["exec-1"]; !ok {
		t.Error("SetTotal dropped a held reservation")
	}
	if _, err := l.Reserve("exec-2", job.Resources{CPU: 1}); !errors.Is(err, ErrInsufficient) {
		t.Errorf("reserve over a shrunk share: %v", err)
	}

	if err := l.Release("exec-1"); err != nil {
		t.Fatal(err)
	}
	if err := l.Release("exec-1"); !errors.Is(err, ErrNotHeld) {
		t.Errorf("second release: %v, want ErrNotHeld", err)
	}
	free, freeGPUs = l.Free()
	if want := (job.Resources{CPU: 1000, Memory: 2 * gib, Disk: 10 * gib, GPUs: 2}); !free.Equal(want) || len(freeGPUs) != 2 {
		t.Errorf("after release: free %+v, want %+v", free, want)
	}
	if len(l.Holds()) != 0 {
		t.Errorf("holds after release: %v", l.Holds())
	}
	// The MI300X was held across the SetTotal; released, it is not free
	// because it is no longer part of the share.
	for _, g := range freeGPUs {
		if g.UUID == "0xmi300" {
			t.Error("a GPU removed from the share became free")
		}
	}
}

// TestLedgerLastGPU races two reservations for the last free GPU: exactly
// one wins, many times over.
func TestLedgerLastGPU(t *testing.T) {
	for round := range 300 {
		l := NewLedger(job.Resources{CPU: 8000, Memory: 8 * gib}, ledgerGPUs()[:1])
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() {
				<-start
				_, errs[i] = l.Reserve(fmt.Sprintf("exec-%d", i), job.Resources{CPU: 1000, GPUs: 1})
			})
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, ErrInsufficient):
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d reservations got the last GPU (errors %v)", round, wins, errs)
		}
		if free, _ := l.Free(); free.GPUs != 0 || free.CPU != 7000 {
			t.Fatalf("round %d: free %+v", round, free)
		}
	}
}

// TestLedgerConcurrent hammers the ledger from many goroutines (run with
// -race) and checks that capacity is never over-committed and that all of
// it comes back.
func TestLedgerConcurrent(t *testing.T) {
	l := newTestLedger()
	total, _ := l.Total()
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 200 {
				id := fmt.Sprintf("w%d-%d", w, i)
				r := job.Resources{CPU: job.MilliCPU(500 * (1 + i%4)), Memory: gib * job.ByteSize(1+i%3), GPUs: i % 2}
				a, err := l.Reserve(id, r)
				if err != nil {
					if !errors.Is(err, ErrInsufficient) {
						t.Errorf("reserve %s: %v", id, err)
					}
					continue
				}
				if len(a.GPUs) != r.GPUs {
					t.Errorf("reserve %s: %d GPUs assigned, want %d", id, len(a.GPUs), r.GPUs)
				}
				free, gpus := l.Free()
				if free.CPU < 0 || free.Memory < 0 || free.GPUs != len(gpus) {
					t.Errorf("free %+v", free)
				}
				var held job.Resources
				for _, h := range l.Holds() {
					held = held.Add(h)
				}
				if !held.Fits(total) {
					t.Errorf("over-committed: held %+v of %+v", held, total)
				}
				if i%7 == 0 {
					l.SetTotal(total, ledgerGPUs())
				}
				if err := l.Release(id); err != nil {
					t.Errorf("release %s: %v", id, err)
				}
			}
		})
	}
	wg.Wait()
	free, gpus := l.Free()
	if !free.Equal(total) || len(gpus) != len(ledgerGPUs()) {
		t.Errorf("after all releases: free %+v with %d GPUs, want %+v", free, len(gpus), total)
	}
}
