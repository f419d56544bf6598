// Package inventory detects what a provider's machine has (CPU, memory,
// disk, GPUs), checks the share of it the owner chooses to sell, and keeps
// the capacity accounting of that share while executions hold parts of it.
package inventory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/deco-network/deco/internal/job"
)

// GPU vendors as written in Machine and allocations: job's, named here
// for the executors that read allocations.
const (
	VendorNVIDIA = job.VendorNVIDIA
	VendorAMD    = job.VendorAMD
)

// Machine is what detection found on this machine.
type Machine struct {
	// CPUModel is the processor's model name; empty when the kernel does not
	// say (many arm64 machines).
	CPUModel string `json:"cpuModel"`
	// CPUCores is the number of logical CPUs.
	CPUCores int `json:"cpuCores"`
	// Memory is the total physical memory.
	Memory job.ByteSize `json:"memory"`
	// DiskTotal and DiskFree describe the filesystem of the data directory;
	// DiskFree is what an unprivileged process may still write.
	DiskTotal job.ByteSize `json:"diskTotal"`
	DiskFree  job.ByteSize `json:"diskFree"`
	// GPUs are the NVIDIA GPUs followed by the AMD GPUs.
	GPUs []GPU `json:"gpus"`
	// Custom counts named resources beyond these: what the owner's
	// commands counted (Options.Custom), or declared.
	Custom map[string]int64 `json:"custom,omitempty"`
}

// GPU is one graphics processor as its vendor's tool reports it.
type GPU struct {
	// Index is the vendor tool's device index (nvidia-smi index, rocm-smi
	// card number); the two vendors number their GPUs separately.
	Index int `json:"index"`
	// UUID identifies the GPU on this machine ("GPU-..." for NVIDIA, the
	// "Unique ID" for AMD, or "amd-cardN" when the card has none).
	UUID string `json:"uuid"`
	// Vendor is VendorNVIDIA or VendorAMD.
	Vendor string `json:"vendor"`
	// Model is the product name, e.g. "NVIDIA A100-SXM4-80GB".
	Model string `json:"model"`
	// VRAM is the GPU's total memory.
	VRAM job.ByteSize `json:"vram"`
	// Driver is the kernel driver version.
	Driver string `json:"driver"`
}

// String describes g in one line: index, UUID, model and VRAM.
func (g GPU) String() string {
	return fmt.Sprintf("%d %s %s %s", g.Index, g.UUID, g.Model, formatBytes(g.VRAM))
}

// Options says where and how Detect looks.
type Options struct {
	// DataDir is a path on the filesystem whose size and free space are
	// reported as the machine's disk; it need not exist yet (its nearest
	// existing parent is measured). Empty means the working directory.
	DataDir string
	// Runner runs the GPU tools; nil means an ExecRunner with its default
	// timeout.
	Runner Runner
	// ProcRoot is where cpuinfo and meminfo are read; empty means "/proc".
	ProcRoot string
	// Custom names custom resources and the command (program and
	// arguments) that prints how many the machine has, e.g.
	// {"tpu1684x": ["sh", "-c", "ls /dev/bm-sophon* | wc -l"]}.
	Custom map[string][]string
}

// Detect finds the machine's CPU, memory, disk and GPUs. Problems that leave
// the machine usable (a GPU tool that fails or prints what cannot be parsed,
// an unknown CPU model) are returned as warnings; a machine without GPU
// tools is not a problem at all. It fails only when memory or disk cannot be
// measured.
func Detect(ctx context.Context, opts Options) (Machine, []string, error) {
	if opts.Runner == nil {
		opts.Runner = ExecRunner{}
	}
	if opts.ProcRoot == "" {
		opts.ProcRoot = "/proc"
	}
	if opts.DataDir == "" {
		opts.DataDir = "."
	}
	var m Machine
	var warnings []string

	cpu, err := os.ReadFile(filepath.Join(opts.ProcRoot, "cpuinfo"))
	if err == nil {
		m.CPUModel, m.CPUCores = parseCPUInfo(cpu)
	} else {
		warnings = append(warnings, fmt.Sprintf("read cpuinfo: %v", err))
	}
	if m.CPUCores == 0 {
		m.CPUCores = runtime.NumCPU()
		warnings = append(warnings, fmt.Sprintf("no processors listed in cpuinfo; counting %d from the Go runtime", m.CPUCores))
	}
	if m.CPUModel == "" {
		warnings = append(warnings, "cpu model unknown: cpuinfo names none")
	}

	mem, err := os.ReadFile(filepath.Join(opts.ProcRoot, "meminfo"))
	if err != nil {
		return Machine{}, warnings, fmt.Errorf("detect memory: %w", err)
	}
	if m.Memory, err = parseMemInfo(mem); err != nil {
		return Machine{}, warnings, fmt.Errorf("detect memory: %w", err)
	}

	if m.DiskTotal, m.DiskFree, err = diskSpace(opts.DataDir); err != nil {
		return Machine{}, warnings, fmt.Errorf("detect disk of %s: %w", opts.DataDir, err)
	}

	nv, w := detectGPUs(ctx, opts.Runner, "nvidia-smi", nvidiaSMIArgs, ParseNvidiaSMI, "NVIDIA")
	warnings = append(warnings, w...)
	amd, w := detectGPUs(ctx, opts.Runner, "rocm-smi", rocmSMIArgs, ParseROCmSMI, "AMD")
	warnings = append(warnings, w...)
	m.GPUs = append(append([]GPU{}, nv...), amd...)
	m.Custom, warnings = countCustom(ctx, opts.Runner, opts.Custom, warnings)
	return m, warnings, nil
}

// countCustom runs each custom resource's command: its output is the count.
// A command that fails or prints anything but a count is a warning, and
// the resource is left out.
func countCustom(ctx context.Context, r Runner, cmds map[string][]string, warnings []string) (map[string]int64, []string) {
	if len(cmds) == 0 {
		return nil, warnings
	}
	out := map[string]int64{}
	for _, name := range slices.Sorted(maps.Keys(cmds)) {
		cmd := cmds[name]
		if len(cmd) == 0 {
			warnings = append(warnings, fmt.Sprintf("custom resource %s: empty command", name))
			continue
		}
		b, err := r.Run(ctx, cmd[0], cmd[1:]...)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("custom resource %s: %v", name, err))
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || n < 0 {
			warnings = append(warnings, fmt.Sprintf("custom resource %s: %s printed %q, not a count", name, cmd[0], truncate(strings.TrimSpace(string(b)), 80)))
			continue
		}
		out[name] = n
	}
	return out, warnings
}

// nvidiaSMIArgs asks nvidia-smi for one CSV line per GPU, memory in MiB.
var nvidiaSMIArgs = []string{
	"--query-gpu=index,uuid,name,memory.total,driver_version",
	"--format=csv,noheader,nounits",
}

// rocmSMIArgs asks rocm-smi for identity, product name, VRAM and driver as JSON.
var rocmSMIArgs = []string{
	"--showid", "--showproductname", "--showmeminfo", "vram",
	"--showdriverversion", "--showuniqueid", "--json",
}

// detectGPUs runs one vendor's tool and parses its output. A missing tool
// gives nothing; a failing tool or unparsable output gives a warning.
func detectGPUs(ctx context.Context, r Runner, tool string, args []string,
	parse func([]byte) ([]GPU, error), vendor string) ([]GPU, []string) {
	out, err := r.Run(ctx, tool, args...)
	if errors.Is(err, ErrToolMissing) {
		return nil, nil
	}
	if err != nil {
		return nil, []string{fmt.Sprintf("no %s GPUs detected: %v", vendor, err)}
	}
	gpus, err := parse(out)
	if err != nil {
		return nil, []string{fmt.Sprintf("no %s GPUs detected: %s output: %v", vendor, tool, err)}
	}
	return gpus, nil
}
