package inventory

import (
	"context"
	"encoding/json"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// TestDetectThisMachine runs the real detection, with the real tools and
// /proc, and checks that the answer is plausible.
func TestDetectThisMachine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, warnings, err := Detect(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(m)
	t.Logf("machine: %s; warnings: %q", js, warnings)

	if m.CPUCores < 1 || m.CPUCores < runtime.NumCPU() {
		t.Errorf("cpu cores %d; the Go runtime may use %d", m.CPUCores, runtime.NumCPU())
	}
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		t.Fatal(err)
	}
	if total := int64(si.Totalram) * int64(si.Unit); int64(m.Memory) != total {
		t.Errorf("memory %d, sysinfo says %d", m.Memory, total)
	}
	if m.DiskTotal <= 0 || m.DiskFree <= 0 || m.DiskFree > m.DiskTotal {
		t.Errorf("disk total %d, free %d", m.DiskTotal, m.DiskFree)
	}
	_, nvErr := exec.LookPath("nvidia-smi")
	_, amdErr := exec.LookPath("rocm-smi")
	if nvErr != nil && amdErr != nil {
		// No GPU tool installed (the case on the development machine): no
		// GPU and nothing to warn about.
		if len(m.GPUs) != 0 {
			t.Errorf("GPUs %v without any GPU tool", m.GPUs)
		}
		for _, w := range warnings {
			if w != "cpu model unknown: cpuinfo names none" {
				t.Errorf("unexpected warning %q", w)
			}
		}
	}
}
