package telemetry

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/deco-network/deco/internal/inventory"
)

// NvidiaQuery is the nvidia-smi query whose output ParseNvidiaUse reads:
//
//	nvidia-smi --query-gpu=uuid,utilization.gpu,memory.used --format=csv,noheader,nounits
//
// one line per GPU: UUID, utilisation in percent, memory used in MiB.
var NvidiaQuery = []string{"--query-gpu=uuid,utilization.gpu,memory.used", "--format=csv,noheader,nounits"}

// ParseNvidiaUse parses the output of NvidiaQuery. Blank lines are
// skipped. A field nvidia-smi cannot give ("[N/A]", "[Not Supported]", as
// on MIG devices) reads as zero; any other malformed line is an error
// naming it.
func ParseNvidiaUse(out []byte) ([]GPUReading, error) {
	rows, err := inventory.ReadNvidiaCSV(out, 3, "uuid, utilization.gpu, memory.used", false)
	if err != nil {
		return nil, err
	}
	var gpus []GPUReading
	for _, r := range rows {
		g, err := parseNvidiaUseRow(r.Fields)
		if err != nil {
			line := strings.Join(r.Fields, ", ")
			if len(line) > 120 {
				line = line[:120] + "..."
			}
			return nil, fmt.Errorf("line %d %q: %w", r.Line, line, err)
		}
		gpus = append(gpus, g)
	}
	return gpus, nil
}

func parseNvidiaUseRow(f []string) (GPUReading, error) {
	if !strings.HasPrefix(f[0], "GPU-") && !strings.HasPrefix(f[0], "MIG-") {
		return GPUReading{}, fmt.Errorf("uuid %q does not start with GPU- or MIG-", f[0])
	}
	g := GPUReading{UUID: f[0]}
	if !inventory.NvidiaUnavailable(f[1]) {
		u, err := strconv.ParseFloat(f[1], 64)
		if err != nil || u < 0 || u > 100 {
			return GPUReading{}, fmt.Errorf("utilization.gpu %q is not a percentage", f[1])
		}
		g.Utilization = u
	}
	if !inventory.NvidiaUnavailable(f[2]) {
		mib, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			return GPUReading{}, fmt.Errorf("memory.used %q is not a number of MiB", f[2])
		}
		g.Memory = mib << 20
	}
	return g, nil
}

// Runner runs a program and returns its standard output
// (inventory.ExecRunner is one).
type Runner interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
}

// NvidiaSampler reads the utilisation and memory of NVIDIA GPUs with
// nvidia-smi.
type NvidiaSampler struct {
	Runner Runner
	// Command is the nvidia-smi program and any arguments before the
	// query ("nvidia-smi" when empty).
	Command []string
}

// Sample reads the GPUs named by uuids (all of the machine's when none is
// named: the node's metrics).
func (s NvidiaSampler) Sample(ctx context.Context, uuids []string) ([]GPUReading, error) {
	cmd := s.Command
	if len(cmd) == 0 {
		cmd = []string{"nvidia-smi"}
	}
	args := append(append([]string(nil), cmd[1:]...), NvidiaQuery...)
	if len(uuids) > 0 {
		args = append(args, "--id="+strings.Join(uuids, ","))
	}
	out, err := s.Runner.Run(ctx, cmd[0], args...)
	if err != nil {
		return nil, fmt.Errorf("nvidia-smi: %w", err)
	}
	return ParseNvidiaUse(out)
}
