package telemetry

import (
	"testing"
	"time"
)

func TestMeter(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	gpu := func(util float64, mib uint64) []GPUReading {
		return []GPUReading{{UUID: "GPU-a", Utilization: util, Memory: mib << 20}, {UUID: "GPU-b", Utilization: util / 2, Memory: mib << 20}}
	}
	tests := []struct {
		name    string
		samples []Sample
		want    Totals
	}{
		{name: "none", want: Totals{}},
		{name: "one sample", samples: []Sample{{At: t0, CPU: 300 * time.Millisecond, Memory: 10 << 20, MemoryPeak: 12 << 20}},
			want: Totals{CPU: 300 * time.Millisecond, MemoryPeak: 12 << 20}},
		{name: "peak from memory now when the engine gives none", samples: []Sample{
			{At: t0, Memory: 10 << 20}, {At: t0.Add(time.Second), Memory: 30 << 20}, {At: t0.Add(2 * time.Second), Memory: 5 << 20}},
			want: Totals{MemoryPeak: 30 << 20}},
		{name: "a stopped sandbox reading zero keeps the totals", samples: []Sample{
			{At: t0, CPU: 2 * time.Second, Memory: 8 << 20}, {At: t0.Add(time.Second)}},
			want: Totals{CPU: 2 * time.Second, MemoryPeak: 8 << 20}},
		{name: "an older sample is ignored", samples: []Sample{
			{At: t0.Add(time.Second), CPU: time.Second}, {At: t0, CPU: 5 * time.Second, Memory: 99 << 20}},
			want: Totals{CPU: time.Second}},
		{name: "gpu time is utilisation times the period, summed over gpus", samples: []Sample{
			{At: t0, GPUs: gpu(100, 100)}, {At: t0.Add(2 * time.Second), GPUs: gpu(50, 300)}, {At: t0.Add(4 * time.Second), GPUs: gpu(100, 200)}},
			// 2 s at 50% + 25%, then 2 s at 100% + 50%: 1.5 s + 3 s
			want: Totals{GPU: 4500 * time.Millisecond, GPUMemoryPeak: 600 << 20}},
		{name: "utilisation out of range is clamped", samples: []Sample{
			{At: t0, GPUs: []GPUReading{{UUID: "GPU-a"}}}, {At: t0.Add(time.Second), GPUs: []GPUReading{{UUID: "GPU-a", Utilization: 250}}}},
			want: Totals{GPU: time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Meter
			for _, s := range tt.samples {
				m.Add(s)
			}
			if got := m.Totals(); got != tt.want {
				t.Fatalf("totals = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMeters(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ms := NewMeters()
	ms.Add("x1", Sample{At: t0, CPU: time.Second, Memory: 100})
	ms.Add("x2", Sample{At: t0, CPU: 2 * time.Second, Memory: 50, GPUs: []GPUReading{{UUID: "GPU-a", Utilization: 40}}})
	ms.Add("x1", Sample{At: t0.Add(time.Second), CPU: 3 * time.Second, Memory: 70})
	now := ms.Now()
	if now.Executions != 2 || now.Memory != 120 || now.CPU != 5*time.Second || len(now.GPUs) != 1 {
		t.Fatalf("now = %+v, want 2 executions, 120 bytes, 5 s of CPU, 1 GPU", now)
	}
	if got := ms.End("x1"); got.CPU != 3*time.Second || got.MemoryPeak != 100 {
		t.Fatalf("end x1 = %+v", got)
	}
	now = ms.Now()
	if now.Executions != 1 || now.Memory != 50 || now.CPU != 5*time.Second {
		t.Fatalf("after x1 ended: %+v, want 1 execution, 50 bytes, CPU still 5 s", now)
	}
	if got := ms.Totals("x1"); got != (Totals{}) {
		t.Fatalf("an ended execution's totals = %+v, want none", got)
	}
}

func TestMetersSeed(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ms := NewMeters()
	// Reattached after a restart: 10 s of GPU time and a 1 GiB peak were
	// reported before; the first new sample reads less of both.
	ms.Seed("x", Totals{CPU: 4 * time.Second, MemoryPeak: 1 << 30, GPU: 10 * time.Second})
	got := ms.Add("x", Sample{At: t0, CPU: 5 * time.Second, Memory: 1 << 20, GPUs: []GPUReading{{UUID: "GPU-a", Utilization: 100}}})
	if got.CPU != 5*time.Second || got.MemoryPeak != 1<<30 || got.GPU != 10*time.Second {
		t.Fatalf("after the first sample: %+v, want CPU 5 s, the seeded peak and GPU time", got)
	}
	got = ms.Add("x", Sample{At: t0.Add(time.Second), CPU: 6 * time.Second, GPUs: []GPUReading{{UUID: "GPU-a", Utilization: 100}}})
	if got.GPU != 11*time.Second {
		t.Fatalf("GPU time = %s, want 11 s (seeded 10 s + 1 s at 100%%)", got.GPU)
	}
	if n := ms.Now(); n.CPU != 2*time.Second {
		t.Fatalf("CPU counted = %s, want 2 s (6 s less the seeded 4 s, used before the restart)", n.CPU)
	}
}
