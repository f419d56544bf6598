package inventory

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/deco-network/deco/internal/job"
)

// cpuModelKeys are the cpuinfo keys that name the processor, by
// architecture: x86 ("model name"), ppc64 ("cpu"), arm32 ("Hardware"),
// mips ("cpu model"), in order of preference.
var cpuModelKeys = []string{"model name", "cpu model", "cpu", "Hardware"}

// parseCPUInfo returns the processor model and the number of logical CPUs
// listed in a /proc/cpuinfo file.
func parseCPUInfo(data []byte) (model string, cores int) {
	found := map[string]string{}
	for line := range strings.Lines(string(data)) {
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if key == "processor" {
			cores++
			continue
		}
		if _, seen := found[key]; !seen && value != "" {
			found[key] = value
		}
	}
	for _, k := range cpuModelKeys {
		if v, ok := found[k]; ok {
			return v, cores
		}
	}
	return "", cores
}

// parseMemInfo returns MemTotal from a /proc/meminfo file.
func parseMemInfo(data []byte) (job.ByteSize, error) {
	for line := range strings.Lines(string(data)) {
		key, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(key) != "MemTotal" {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("meminfo: MemTotal %q: want \"<number> kB\"", strings.TrimSpace(value))
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || kb <= 0 {
			return 0, fmt.Errorf("meminfo: MemTotal %q: not a positive number", fields[0])
		}
		return job.ByteSize(kb * 1024), nil
	}
	return 0, errors.New("meminfo: no MemTotal line")
}
