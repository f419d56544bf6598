package offer

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
)

// memTemplates are signed offers of the usual shapes, as JSON from the
// wire: a CPU box, a one-GPU box, an eight-GPU box in a pool with labels.
func memTemplates(t testing.TB, now time.Time) [][]byte {
	k, err := identity.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	base := Offer{Seq: 1, Free: job.Resources{CPU: 14000, Memory: 60 << 30, Disk: 400 << 30}, Total: job.Resources{CPU: 16000, Memory: 64 << 30, Disk: 500 << 30},
		Prices: Prices{CPUHour: money.Unit / 50, MemoryGiBHour: money.Unit / 500, DiskGiBHour: money.Unit / 10000}, Executors: []string{"docker", "wasm"},
		Region: "eu-west", IssuedAt: now, Expires: now.Add(10 * time.Minute)}
	one := base
	one.GPUs = []GPU{{Vendor: "nvidia", Model: "NVIDIA GeForce RTX 4090", VRAM: 24 << 30}}
	one.Prices.GPUHour = money.Unit / 2
	eight := base
	for range 8 {
		eight.GPUs = append(eight.GPUs, GPU{Vendor: "nvidia", Model: "NVIDIA A100-SXM4-80GB", VRAM: 80 << 30})
	}
	eight.Labels, eight.Pool = map[string]string{"tier": "gold", "datacenter": "fra-2"}, "farm-a"
	var out [][]byte
	for _, o := range []Offer{base, one, eight} {
		if err := o.Sign(k); err != nil {
			t.Fatal(err)
		}
		if err := o.Verify(now); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestCatalogMemory100k measures the heap a catalog of 100,000 offers
// holds. Each offer is decoded from the JSON of a signed offer (so its
// strings, GPUs, labels and signature are separate allocations, as from
// the wire) and given its own 52-character node ID; it is inserted
// without Put's signature check, which the new node IDs would fail and
// which would dominate the run time (100,000 signature recoveries).
func TestCatalogMemory100k(t *testing.T) {
	const n = 100_000
	now := time.Unix(1_800_000_000, 0)
	tmpl := memTemplates(t, now)
	before := heapInUse()
	c := NewCatalog(func() time.Time { return now })
	for i := range n {
		o, err := Decode(tmpl[i%10%len(tmpl)]) // 4 in 10 CPU-only, 3 one-GPU, 3 eight-GPU
		if err != nil {
			t.Fatal(err)
		}
		o.Node = fmt.Sprintf("12D3KooW%044d", i)
		o.Seq = uint64(i + 1)
		if !c.insert(o) {
			t.Fatalf("offer %d not inserted", i)
		}
	}
	after := heapInUse()
	if c.Len() != n {
		t.Fatalf("catalog holds %d", c.Len())
	}
	per := float64(after-before) / n
	t.Logf("catalog of %d offers: %.1f MiB heap, %.0f bytes per offer", n, float64(after-before)/(1<<20), per)
	// An offer is ~430 bytes of struct plus its strings, GPUs, labels and
	// signature; more than 4KiB each would mean something is retained
	// that should not be.
	if per < 400 || per > 4096 {
		t.Fatalf("%.0f bytes per offer, want between 400 and 4096", per)
	}
	list := c.List()
	if len(list) != n || list[0].Node != fmt.Sprintf("12D3KooW%044d", 0) {
		t.Fatalf("list %d", len(list))
	}
	runtime.KeepAlive(c)
}

// BenchmarkCatalogList100k is the cost of the snapshot a requester takes
// before placing a job: copy the live offers and sort them by node.
func BenchmarkCatalogList100k(b *testing.B) {
	now := time.Unix(1_800_000_000, 0)
	tmpl := memTemplates(b, now)
	c := NewCatalog(func() time.Time { return now })
	for i := range 100_000 {
		o, err := Decode(tmpl[i%len(tmpl)])
		if err != nil {
			b.Fatal(err)
		}
		o.Node, o.Seq = fmt.Sprintf("12D3KooW%044d", (i*7919)%100_000), uint64(i+1)
		c.insert(o)
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(c.List()) != 100_000 {
			b.Fatal("short list")
		}
	}
}

// BenchmarkCatalogView100k is the cost of handing the scheduler the live
// offers without a copy.
func BenchmarkCatalogView100k(b *testing.B) {
	now := time.Unix(1_800_000_000, 0)
	tmpl := memTemplates(b, now)
	c := NewCatalog(func() time.Time { return now })
	for i := range 100_000 {
		o, err := Decode(tmpl[i%len(tmpl)])
		if err != nil {
			b.Fatal(err)
		}
		o.Node, o.Seq = fmt.Sprintf("12D3KooW%044d", i), uint64(i+1)
		c.insert(o)
	}
	for b.Loop() {
		c.View(func(offers []Offer) {
			if len(offers) != 100_000 {
				b.Fatal("short view")
			}
		})
	}
}
