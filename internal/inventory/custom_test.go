package inventory

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/job"
)

// TestDetectCountsCustomResources runs the owner's commands (real ones,
// through sh): a count is kept, anything else is a warning.
func TestDetectCountsCustomResources(t *testing.T) {
	m, warnings, err := Detect(context.Background(), Options{DataDir: t.TempDir(), ProcRoot: filepath.Join("testdata", "proc", "xeon-16"),
		Runner: ExecRunner{}, Custom: map[string][]string{
			"tpu1684x": {"sh", "-c", "echo 4"},
			"fpga":     {"sh", "-c", "echo many"},
			"npu":      {"sh", "-c", "exit 3"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Custom) != 1 || m.Custom["tpu1684x"] != 4 {
		t.Fatalf("custom %v", m.Custom)
	}
	all := strings.Join(warnings, "\n")
	if !strings.Contains(all, `custom resource fpga: sh printed "many", not a count`) || !strings.Contains(all, "custom resource npu:") {
		t.Fatalf("warnings %q", warnings)
	}
	if err := m.CheckShare(Share{CPU: 1000, Memory: 1 << 30, Custom: map[string]int64{"tpu1684x": 5}}); err == nil ||
		!strings.Contains(err.Error(), "custom tpu1684x: asked for 5, this machine has 4") {
		t.Fatalf("share above the count: %v", err)
	}
	if err := m.CheckShare(Share{CPU: 1000, Memory: 1 << 30, Custom: map[string]int64{"tpu1684x": 4}}); err != nil {
		t.Fatal(err)
	}
}

func TestLedgerReservesCustomResources(t *testing.T) {
	l := NewLedger(job.Resources{CPU: 4000, Memory: 4 << 30, Custom: map[string]int64{"tpu1684x": 3}}, nil)
	two := job.Resources{CPU: 1000, Memory: 1 << 30, Custom: map[string]int64{"tpu1684x": 2}}
	if _, err := l.Reserve("a", two); err != nil {
		t.Fatal(err)
	}
	if free, _ := l.Free(); free.Custom["tpu1684x"] != 1 {
		t.Fatalf("free %v", free.Custom)
	}
	if _, err := l.Reserve("b", two); err == nil || !strings.Contains(err.Error(), "tpu1684x: asked for 2, 1 free, short by 1") {
		t.Fatalf("second reservation: %v", err)
	}
	if _, err := l.Reserve("c", job.Resources{CPU: 1, Memory: 1, Custom: map[string]int64{"fpga": 1}}); err == nil {
		t.Fatal("reserved a resource the share does not have")
	}
	if err := l.Release("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Reserve("b", two); err != nil {
		t.Fatal(err)
	}
	if total, _ := l.Total(); total.Custom["tpu1684x"] != 3 {
		t.Fatalf("total %v", total.Custom)
	}
}
