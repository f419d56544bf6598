package docker

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"

	"github.com/deco-network/deco/internal/exec"
)

// TestSampleReadsTheCgroup runs a task that burns CPU and holds 24 MiB in
// its /dev/shm (a tmpfs charged to its memory cgroup) and checks what the
// engine's stats say of it.
func TestSampleReadsTheCgroup(t *testing.T) {
	e := engine(t, Config{})
	task := newTask("stats", "sh", "-c",
		"i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; dd if=/dev/zero of=/dev/shm/hold bs=1M count=24 2>/dev/null; sleep 60")
	start(t, e, task)
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	var last error
	for {
		s, err := e.Sample(ctx, task.ExecutionID)
		if err == nil && s.CPU >= 300*time.Millisecond && s.Memory >= 24<<20 {
			if s.MemoryPeak != 0 && s.MemoryPeak < s.Memory {
				t.Fatalf("memory peak %d below memory now %d", s.MemoryPeak, s.Memory)
			}
			if s.Memory > 64<<20+8<<20 {
				t.Fatalf("memory %d above the task's 64 MiB limit", s.Memory)
			}
			t.Logf("cpu %s, memory %d MiB, peak %d MiB", s.CPU, s.Memory>>20, s.MemoryPeak>>20)
			break
		}
		last = err
		if err == nil {
			last = fmt.Errorf("not yet: %s of CPU, %d bytes", s.CPU, s.Memory)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sample with >= 300 ms of CPU and >= 24 MiB of memory in 30 s: %v", last)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := e.Kill(ctx, task.ExecutionID); err != nil {
		t.Fatal(err)
	}
	wait(t, e, task.ExecutionID)
	if _, err := e.Sample(ctx, task.ExecutionID); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("sample of an ended execution: %v, want %v", err, ErrNotRunning)
	}
	if _, err := e.Sample(ctx, "no-such-execution"); !errors.Is(err, exec.ErrNotFound) {
		t.Fatalf("sample of an unknown execution: %v, want %v", err, exec.ErrNotFound)
	}
}

func TestStatsSample(t *testing.T) {
	at := time.Unix(1700000000, 0)
	tests := []struct {
		name           string
		st             container.StatsResponse
		mem, peak, cpu uint64
		wantErr        error
	}{
		{name: "cgroup v1", st: container.StatsResponse{PidsStats: container.PidsStats{Current: 2},
			CPUStats:    container.CPUStats{CPUUsage: container.CPUUsage{TotalUsage: 1_500_000_000}},
			MemoryStats: container.MemoryStats{Usage: 30 << 20, MaxUsage: 40 << 20, Stats: map[string]uint64{"total_inactive_file": 4 << 20}}},
			mem: 26 << 20, peak: 40 << 20, cpu: 1_500_000_000},
		{name: "cgroup v2: no high-water mark", st: container.StatsResponse{PidsStats: container.PidsStats{Current: 1},
			CPUStats:    container.CPUStats{CPUUsage: container.CPUUsage{TotalUsage: 7}},
			MemoryStats: container.MemoryStats{Usage: 10 << 20, Stats: map[string]uint64{"inactive_file": 1 << 20}}},
			mem: 9 << 20, cpu: 7},
		{name: "stopped container", st: container.StatsResponse{}, wantErr: ErrNotRunning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := statsSample(tt.st, at)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if s.Memory != tt.mem || s.MemoryPeak != tt.peak || uint64(s.CPU) != tt.cpu || !s.At.Equal(at) {
				t.Fatalf("sample = %+v, want memory %d, peak %d, cpu %d ns", s, tt.mem, tt.peak, tt.cpu)
			}
		})
	}
}
