package inventory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeRun is what the fake runner answers for one tool.
type fakeRun struct {
	missing bool   // the tool is not installed
	file    string // recorded output under testdata/<tool>/
	exit    string // when set, the tool fails with this cause, e.g. "exit status 9"
}

// fakeRunner answers GPU tools from recorded outputs and records the
// commands it was asked to run. Tools it has no entry for are missing.
type fakeRunner struct {
	t     *testing.T
	tools map[string]fakeRun
	mu    sync.Mutex
	calls []string
}

func (f *fakeRunner) Run(_ context.Context, name string, args ...string) ([]byte, error) {
	f.mu.Lock()
	f.calls = append(f.calls, name+" "+strings.Join(args, " "))
	f.mu.Unlock()
	run, ok := f.tools[name]
	if !ok || run.missing {
		return nil, fmt.Errorf("%s: %w", name, ErrToolMissing)
	}
	out, err := os.ReadFile(filepath.Join("testdata", name, run.file))
	if err != nil {
		f.t.Fatal(err)
	}
	if run.exit != "" {
		return nil, &ToolError{Name: name, Err: errors.New(run.exit), Output: string(out)}
	}
	return out, nil
}

func TestDetect(t *testing.T) {
	rtx4090 := GPU{Index: 0, UUID: "GPU-5c3e8c4a-7c5f-0d2e-5f3b-2b1f0e6d9a11", Vendor: "nvidia",
		Model: "NVIDIA GeForce RTX 4090", VRAM: 24564 * mib, Driver: "550.54.15"}
	mi300 := []GPU{mi300x(0, "0x9a3c5e7f1b2d4068"), mi300x(1, "0x1c8e2a4f6b0d3957"),
		mi300x(2, "0x7d2f4b6a8c0e1395"), mi300x(3, "0x3e9b1d5f7a2c4860")}
	mi210 := GPU{Index: 0, UUID: "0x2f6c1a9e04b3d857", Vendor: "amd",
		Model: "Aldebaran/MI200 [Instinct MI210]", VRAM: 68702699520, Driver: "6.1.5"}

	tests := []struct {
		name      string
		proc      string
		tools     map[string]fakeRun
		wantModel string
		wantCores int
		wantMem   int64
		wantGPUs  []GPU
		wantWarn  []string // substrings, one per warning, in order
		wantErr   string
	}{
		{
			name: "xeon with one nvidia GPU", proc: "xeon-16",
			tools:     map[string]fakeRun{"nvidia-smi": {file: "one.txt"}},
			wantModel: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", wantCores: 16, wantMem: 32715624 * 1024,
			wantGPUs: []GPU{rtx4090},
		},
		{
			name: "nvidia and amd on one machine are merged", proc: "xeon-16",
			tools:     map[string]fakeRun{"nvidia-smi": {file: "a100x8.txt"}, "rocm-smi": {file: "mi300x-x4-rocm62.json"}},
			wantModel: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", wantCores: 16, wantMem: 32715624 * 1024,
			wantGPUs: append(a100x8(), mi300...),
		},
		{
			name: "amd only", proc: "xeon-16",
			tools:     map[string]fakeRun{"rocm-smi": {file: "one-mi210-rocm5.json"}},
			wantModel: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", wantCores: 16, wantMem: 32715624 * 1024,
			wantGPUs: []GPU{mi210},
		},
		{
			name: "no GPU tools: no GPUs, no warning", proc: "host-epyc-2",
			wantModel: "AMD EPYC", wantCores: 2, wantMem: 24684092 * 1024,
		},
		{
			name: "nvidia-smi cannot reach the driver", proc: "xeon-16",
			tools:     map[string]fakeRun{"nvidia-smi": {file: "failing.txt", exit: "exit status 9"}, "rocm-smi": {missing: true}},
			wantModel: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", wantCores: 16, wantMem: 32715624 * 1024,
			wantWarn: []string{"no NVIDIA GPUs detected: nvidia-smi: exit status 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."},
		},
		{
			name: "nvml version mismatch keeps the amd GPUs", proc: "xeon-16",
			tools:     map[string]fakeRun{"nvidia-smi": {file: "failing-nvml.txt", exit: "exit status 18"}, "rocm-smi": {file: "one-mi210-rocm5.json"}},
			wantModel: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", wantCores: 16, wantMem: 32715624 * 1024,
			wantGPUs: []GPU{mi210},
			wantWarn: []string{"nvidia-smi: exit status 18: Failed to initialize NVML: Driver/library version mismatch / NVML library version: 550.90"},
		},
		{
			name: "nvidia-smi garbage names the line", proc: "xeon-16",
			tools:     map[string]fakeRun{"nvidia-smi": {file: "garbage-fields.txt"}},
			wantModel: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", wantCores: 16, wantMem: 32715624 * 1024,
			wantWarn: []string{"no NVIDIA GPUs detected: nvidia-smi output: line 2 "},
		},
		{
			name: "rocm-smi without the amdgpu driver", proc: "xeon-16",
			tools:     map[string]fakeRun{"nvidia-smi": {file: "one.txt"}, "rocm-smi": {file: "failing-no-driver.txt", exit: errNoOutput.Error()}},
			wantModel: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", wantCores: 16, wantMem: 32715624 * 1024,
			wantGPUs: []GPU{rtx4090},
			wantWarn: []string{"no AMD GPUs detected: rocm-smi: no output: ERROR:root:Driver not initialized (amdgpu not found in modules)"},
		},
		{
			name: "old rocm-smi rejects a flag", proc: "xeon-16",
			tools:     map[string]fakeRun{"rocm-smi": {file: "failing-usage.txt", exit: "exit status 2"}},
			wantModel: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", wantCores: 16, wantMem: 32715624 * 1024,
			wantWarn: []string{"rocm-smi: error: unrecognized arguments: --showuniqueid"},
		},
		{
			name: "rocm-smi garbage", proc: "xeon-16",
			tools:     map[string]fakeRun{"rocm-smi": {file: "garbage-vram.json"}},
			wantModel: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", wantCores: 16, wantMem: 32715624 * 1024,
			wantWarn: []string{`no AMD GPUs detected: rocm-smi output: "card0": "VRAM Total Memory (B)" is "64 GB"`},
		},
		{
			name: "arm64 names no model", proc: "arm64-4",
			wantCores: 4, wantMem: 8024636 * 1024,
			wantWarn: []string{"cpu model unknown"},
		},
		{
			name: "no processors listed falls back to the runtime", proc: "no-processors",
			wantCores: runtime.NumCPU(), wantMem: 4030620 * 1024,
			wantWarn: []string{"no processors listed in cpuinfo", "cpu model unknown"},
		},
		{name: "no MemTotal is an error", proc: "no-memtotal", wantErr: "detect memory: meminfo: no MemTotal line"},
		{name: "no proc files is an error", proc: "does-not-exist", wantErr: "detect memory: open testdata/proc/does-not-exist/meminfo"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runner := &fakeRunner{t: t, tools: tc.tools}
			m, warnings, err := Detect(context.Background(), Options{
				DataDir:  t.TempDir(),
				Runner:   runner,
				ProcRoot: filepath.Join("testdata", "proc", tc.proc),
			})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.CPUModel != tc.wantModel || m.CPUCores != tc.wantCores || int64(m.Memory) != tc.wantMem {
				t.Errorf("cpu %q x%d, memory %d; want %q x%d, memory %d",
					m.CPUModel, m.CPUCores, m.Memory, tc.wantModel, tc.wantCores, tc.wantMem)
			}
			if m.DiskTotal <= 0 || m.DiskFree <= 0 || m.DiskFree > m.DiskTotal {
				t.Errorf("disk total %d free %d", m.DiskTotal, m.DiskFree)
			}
			if !slices.Equal(m.GPUs, tc.wantGPUs) {
				t.Errorf("GPUs:\ngot  %#v\nwant %#v", m.GPUs, tc.wantGPUs)
			}
			if len(warnings) != len(tc.wantWarn) {
				t.Fatalf("warnings %q, want %d containing %q", warnings, len(tc.wantWarn), tc.wantWarn)
			}
			for i, w := range tc.wantWarn {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, warnings[i], w)
				}
			}
			wantCalls := []string{
				"nvidia-smi --query-gpu=index,uuid,name,memory.total,driver_version --format=csv,noheader,nounits",
				"rocm-smi --showid --showproductname --showmeminfo vram --showdriverversion --showuniqueid --json",
			}
			if !slices.Equal(runner.calls, wantCalls) {
				t.Errorf("ran %q, want %q", runner.calls, wantCalls)
			}
		})
	}
}

func TestDetectDiskOfMissingDataDir(t *testing.T) {
	dir := t.TempDir()
	m, _, err := Detect(context.Background(), Options{
		DataDir: filepath.Join(dir, "not", "yet", "created"), Runner: &fakeRunner{t: t},
		ProcRoot: filepath.Join("testdata", "proc", "xeon-16"),
	})
	if err != nil {
		t.Fatal(err)
	}
	parent, _, err := Detect(context.Background(), Options{
		DataDir: dir, Runner: &fakeRunner{t: t}, ProcRoot: filepath.Join("testdata", "proc", "xeon-16"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.DiskTotal != parent.DiskTotal || m.DiskTotal <= 0 {
		t.Errorf("disk total of a missing dir %d, of its existing parent %d", m.DiskTotal, parent.DiskTotal)
	}
}
