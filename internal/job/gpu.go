package job

import (
	"strconv"
	"strings"
)

// GPU vendors as written in GPUSelector, offers and the provider's
// inventory.
const (
	VendorNVIDIA = "nvidia"
	VendorAMD    = "amd"
)

// Matches reports whether a GPU of vendor and model with vram bytes of
// memory satisfies s. Vendor and model are compared ignoring case
// (Validate admits only the lower-case vendor constants; GPUs described by
// others may spell theirs differently); Model is a substring of model; vram
// must be at least MinVRAM. It does not allocate: the scheduler calls it for
// every GPU of every offer.
func (s GPUSelector) Matches(vendor, model string, vram ByteSize) bool {
	if vram < s.MinVRAM {
		return false
	}
	if s.Vendor != "" && !strings.EqualFold(s.Vendor, vendor) {
		return false
	}
	return containsFold(model, s.Model)
}

// String describes s for error messages and placement reports, e.g.
// `vendor "nvidia", model "A100", at least 40GiB VRAM`; the zero selector
// is "any GPU".
func (s GPUSelector) String() string {
	var parts []string
	if s.Vendor != "" {
		parts = append(parts, "vendor "+strconv.Quote(s.Vendor))
	}
	if s.Model != "" {
		parts = append(parts, "model "+strconv.Quote(s.Model))
	}
	if s.MinVRAM > 0 {
		parts = append(parts, "at least "+s.MinVRAM.String()+" VRAM")
	}
	if len(parts) == 0 {
		return "any GPU"
	}
	return strings.Join(parts, ", ")
}

// containsFold reports whether s contains sub, ignoring case, without
// allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
