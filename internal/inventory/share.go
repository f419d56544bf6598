package inventory

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/deco-network/deco/internal/job"
)

// Share is the part of the machine the owner sells.
type Share struct {
	// CPU is the compute sold, in millicores.
	CPU job.MilliCPU `json:"cpu"`
	// Memory is the memory sold.
	Memory job.ByteSize `json:"memory"`
	// Disk is the disk space sold on the data directory's filesystem.
	Disk job.ByteSize `json:"disk"`
	// GPUs are the GPUs sold, by UUID or by index ("0", "1"); an index is
	// accepted only when one GPU of the machine has it.
	GPUs []string `json:"gpus,omitempty"`
	// Custom sells named countable resources beyond these (an accelerator
	// an operator defines, e.g. tpu1684x: 4), declared by the owner or
	// counted by a command (see provider.Policy.CustomCommands).
	Custom map[string]int64 `json:"custom,omitempty"`
}

// CheckShare returns nil when the machine has everything s sells, and
// otherwise one error per problem (joined), each saying what the machine
// has.
func (m Machine) CheckShare(s Share) error {
	var errs []error
	switch have := job.MilliCPU(m.CPUCores) * 1000; {
	case s.CPU < 0:
		errs = append(errs, fmt.Errorf("cpu: %s cores is negative", formatCores(s.CPU)))
	case s.CPU > have:
		errs = append(errs, fmt.Errorf("cpu: asked for %s, this machine has %d", cores(s.CPU), m.CPUCores))
	}
	switch {
	case s.Memory < 0:
		errs = append(errs, fmt.Errorf("memory: %s is negative", formatBytes(s.Memory)))
	case s.Memory > m.Memory:
		errs = append(errs, fmt.Errorf("memory: asked for %s, this machine has %s", formatBytes(s.Memory), formatBytes(m.Memory)))
	}
	switch {
	case s.Disk < 0:
		errs = append(errs, fmt.Errorf("disk: %s is negative", formatBytes(s.Disk)))
	case s.Disk > m.DiskFree:
		errs = append(errs, fmt.Errorf("disk: asked for %s, this machine has %s free (of %s)",
			formatBytes(s.Disk), formatBytes(m.DiskFree), formatBytes(m.DiskTotal)))
	}
	for _, name := range slices.Sorted(maps.Keys(s.Custom)) {
		switch n, have := s.Custom[name], m.Custom[name]; {
		case !job.ValidCustomName(name):
			errs = append(errs, fmt.Errorf("custom %q: not a resource name (lower-case letters, digits, . _ -, starting with a letter)", name))
		case n < 1:
			errs = append(errs, fmt.Errorf("custom %s: sell at least 1, got %d", name, n))
		case n > have:
			errs = append(errs, fmt.Errorf("custom %s: asked for %d, this machine has %d (declare what it has, or count it with a command)", name, n, have))
		}
	}
	seen := map[string]string{} // UUID -> the name the share used first
	for _, id := range s.GPUs {
		g, err := m.findGPU(id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if first, dup := seen[g.UUID]; dup {
			errs = append(errs, fmt.Errorf("gpu %q: listed twice (as %q and %q)", id, first, id))
			continue
		}
		seen[g.UUID] = id
	}
	return errors.Join(errs...)
}

// findGPU resolves a share's GPU name: a UUID, or an index that exactly one
// GPU has.
func (m Machine) findGPU(id string) (GPU, error) {
	for _, g := range m.GPUs {
		if g.UUID == id {
			return g, nil
		}
	}
	if idx, err := strconv.Atoi(id); err == nil {
		var match []GPU
		for _, g := range m.GPUs {
			if g.Index == idx {
				match = append(match, g)
			}
		}
		switch len(match) {
		case 1:
			return match[0], nil
		case 0:
		default:
			return GPU{}, fmt.Errorf("gpu %q: index is ambiguous, name one by UUID (%s)", id, describeGPUs(match))
		}
	}
	if len(m.GPUs) == 0 {
		return GPU{}, fmt.Errorf("gpu %q: no such GPU (this machine has none)", id)
	}
	return GPU{}, fmt.Errorf("gpu %q: no such GPU (this machine has: %s)", id, describeGPUs(m.GPUs))
}

func describeGPUs(gpus []GPU) string {
	parts := make([]string, len(gpus))
	for i, g := range gpus {
		parts[i] = g.String()
	}
	return strings.Join(parts, ", ")
}

// DefaultShare is what onboarding proposes: all logical cores but one (at
// least one), three quarters of the memory, half of the free disk and every
// GPU.
func (m Machine) DefaultShare() Share {
	s := Share{
		CPU:    job.MilliCPU(max(m.CPUCores-1, 1)) * 1000,
		Memory: m.Memory / 4 * 3,
		Disk:   m.DiskFree / 2,
	}
	for _, g := range m.GPUs {
		s.GPUs = append(s.GPUs, g.UUID)
	}
	return s
}

// ShareResources returns the resources s sells and its GPUs, in the
// machine's order. GPU names the machine does not have are left out; call
// CheckShare first.
func (m Machine) ShareResources(s Share) (job.Resources, []GPU) {
	var gpus []GPU
	for _, id := range s.GPUs {
		g, err := m.findGPU(id)
		if err != nil || slices.ContainsFunc(gpus, func(h GPU) bool { return h.UUID == g.UUID }) {
			continue
		}
		gpus = append(gpus, g)
	}
	slices.SortStableFunc(gpus, func(a, b GPU) int {
		return slices.IndexFunc(m.GPUs, func(g GPU) bool { return g.UUID == a.UUID }) -
			slices.IndexFunc(m.GPUs, func(g GPU) bool { return g.UUID == b.UUID })
	})
	return job.Resources{CPU: s.CPU, Memory: s.Memory, Disk: s.Disk, GPUs: len(gpus), Custom: maps.Clone(s.Custom)}, gpus
}

// byteUnits are the binary units formatBytes uses.
var byteUnits = []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// formatBytes writes b human readably in binary units with at most one
// decimal: 512B, 1.5KiB, 31.2GiB, 80GiB.
func formatBytes(b job.ByteSize) string {
	if b < 0 {
		return "-" + formatBytes(-b)
	}
	if b < 1024 {
		return strconv.FormatInt(int64(b), 10) + "B"
	}
	v := float64(b)
	unit := ""
	for _, u := range byteUnits {
		if v < 1024 {
			break
		}
		v /= 1024
		unit = u
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + unit
}

// formatCores writes millicores as cores: 16, 0.5, 1.25.
func formatCores(c job.MilliCPU) string {
	if c%1000 == 0 {
		return strconv.FormatInt(int64(c/1000), 10)
	}
	return strconv.FormatFloat(float64(c)/1000, 'f', -1, 64)
}

// cores writes millicores with their unit: "1 core", "64 cores".
func cores(c job.MilliCPU) string {
	if c == 1000 {
		return "1 core"
	}
	return formatCores(c) + " cores"
}
