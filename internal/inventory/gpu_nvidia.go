package inventory

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/deco-network/deco/internal/job"
)

// nvidiaFields names the columns ParseNvidiaSMI expects, in order.
const nvidiaFields = "index, uuid, name, memory.total, driver_version"

// ParseNvidiaSMI parses the output of
//
//	nvidia-smi --query-gpu=index,uuid,name,memory.total,driver_version --format=csv,noheader,nounits
//
// (one line per GPU, memory in MiB). Blank lines are skipped; a memory of
// "[N/A]" is read as zero. Any other malformed line is an error naming it.
func ParseNvidiaSMI(out []byte) ([]GPU, error) {
	rows, err := ReadNvidiaCSV(out, 5, nvidiaFields, false)
	if err != nil {
		return nil, err
	}
	var gpus []GPU
	for _, r := range rows {
		g, err := parseNvidiaRow(r.Fields)
		if err != nil {
			return nil, fmt.Errorf("line %d %q: %w", r.Line, truncate(strings.Join(r.Fields, ", "), 120), err)
		}
		gpus = append(gpus, g)
	}
	return gpus, nil
}

func parseNvidiaRow(f []string) (GPU, error) {
	idx, err := strconv.Atoi(f[0])
	if err != nil || idx < 0 {
		return GPU{}, fmt.Errorf("index %q is not a device number", f[0])
	}
	if !strings.HasPrefix(f[1], "GPU-") && !strings.HasPrefix(f[1], "MIG-") {
		return GPU{}, fmt.Errorf("uuid %q does not start with GPU-", f[1])
	}
	if f[2] == "" {
		return GPU{}, fmt.Errorf("empty name")
	}
	var vram job.ByteSize
	if f[3] != "[N/A]" {
		mib, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil || mib < 0 {
			return GPU{}, fmt.Errorf("memory.total %q is not a number of MiB", f[3])
		}
		vram = job.ByteSize(mib << 20)
	}
	return GPU{Index: idx, UUID: f[1], Vendor: VendorNVIDIA, Model: f[2], VRAM: vram, Driver: f[4]}, nil
}

// truncate shortens s to at most n bytes for error messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
