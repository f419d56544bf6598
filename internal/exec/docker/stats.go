package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/telemetry"
)

// ErrNotRunning is returned by Sample for an execution whose container
// exists but runs no process: the engine has no use to tell. It wraps
// exec.ErrNotFound: there is no running execution to sample.
var ErrNotRunning = fmt.Errorf("execution not running: %w", exec.ErrNotFound)

// maxStatsBody caps the engine's stats answer (a few KiB in practice).
const maxStatsBody = 1 << 20

// Sample reads an execution's use from the engine's stats (one sample, no
// second read for a CPU rate): the cgroup's cumulative CPU time; its
// memory less the inactive page cache, as `docker stats` shows it; and the
// cgroup's memory high-water mark where the engine reports one (cgroup v1:
// max_usage, page cache included; cgroup v2 engines report none, and the
// meter keeps the highest memory sampled instead).
// An unknown execution's error wraps exec.ErrNotFound.
func (e *Executor) Sample(ctx context.Context, executionID string) (telemetry.Sample, error) {
	res, err := e.cli.ContainerStats(ctx, containerName(executionID), client.ContainerStatsOptions{})
	if err != nil {
		return telemetry.Sample{}, notFound(executionID, fmt.Errorf("stats of execution %s: %w", executionID, err))
	}
	defer res.Body.Close()
	var st container.StatsResponse
	if err := json.NewDecoder(io.LimitReader(res.Body, maxStatsBody)).Decode(&st); err != nil {
		return telemetry.Sample{}, fmt.Errorf("stats of execution %s: %w", executionID, err)
	}
	return statsSample(st, e.now())
}

// statsSample reads one stats answer of the engine.
func statsSample(st container.StatsResponse, at time.Time) (telemetry.Sample, error) {
	if st.PidsStats.Current == 0 && st.CPUStats.CPUUsage.TotalUsage == 0 && st.MemoryStats.Usage == 0 {
		return telemetry.Sample{}, ErrNotRunning
	}
	m := st.MemoryStats
	cache := m.Stats["total_inactive_file"]    // cgroup v1
	if v, ok := m.Stats["inactive_file"]; ok { // cgroup v2
		cache = v
	}
	mem := m.Usage
	if cache < mem {
		mem -= cache
	}
	return telemetry.Sample{At: at, CPU: time.Duration(st.CPUStats.CPUUsage.TotalUsage), Memory: mem, MemoryPeak: m.MaxUsage}, nil
}
