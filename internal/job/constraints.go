package job

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// MaxConstraintItems bounds each list and label set of Constraints.
const MaxConstraintItems = 256

// Constraints narrow which providers may run a job, beyond its resources.
// Every set constraint must hold; the zero value accepts any provider.
type Constraints struct {
	// Regions, when set, lists the provider regions accepted.
	Regions []string `json:"regions,omitempty" yaml:"regions,omitempty"`
	// NotRegions lists provider regions refused.
	NotRegions []string `json:"notRegions,omitempty" yaml:"notRegions,omitempty"`
	// Labels are key: value pairs the provider's offer must carry.
	Labels map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
	// NotLabels are key: value pairs the provider's offer must not carry.
	NotLabels map[string]string `json:"notLabels,omitempty" yaml:"notLabels,omitempty"`
	// Pool, when set, accepts only providers in the operator pool of this name.
	Pool string `json:"pool,omitempty" yaml:"pool,omitempty"`
	// Operator, when set, accepts only providers certified by the operator
	// with this address (0x…); with Pool, it names whose pool.
	Operator string `json:"operator,omitempty" yaml:"operator,omitempty"`
	// Providers, when set, is the allow-list of provider node IDs (libp2p
	// peer IDs).
	Providers []string `json:"providers,omitempty" yaml:"providers,omitempty"`
	// MinReputation is the least reputation, from 0 to 1, a provider must
	// have; unknown providers count as neutral (0.5). Zero accepts all.
	MinReputation float64 `json:"minReputation,omitempty" yaml:"minReputation,omitempty"`
	// Group narrows which sets of providers may hold a multi-task job's
	// tasks together.
	Group Group `json:"group,omitzero" yaml:"group,omitempty"`
}

// Group constrains the set of providers a multi-task job is placed on as
// a whole; the zero value accepts any set.
type Group struct {
	// MaxRTT, when set, accepts only providers this node has measured
	// within this round-trip time and that are within it of each other,
	// as their offers state (pairs never measured are left out).
	MaxRTT Duration `json:"maxRTT,omitempty" yaml:"maxRTT,omitempty"`
	// SameRegion puts every task in one region.
	SameRegion bool `json:"sameRegion,omitempty" yaml:"sameRegion,omitempty"`
	// SameGPUModel puts every task on GPUs of one model.
	SameGPUModel bool `json:"sameGPUModel,omitempty" yaml:"sameGPUModel,omitempty"`
	// DistinctProviders puts each task on a provider of its own; otherwise
	// a provider with room for several tasks may take several.
	DistinctProviders bool `json:"distinctProviders,omitempty" yaml:"distinctProviders,omitempty"`
}

// IsZero reports whether no constraint is set.
func (c Constraints) IsZero() bool {
	return len(c.Regions) == 0 && len(c.NotRegions) == 0 && len(c.Labels) == 0 &&
		len(c.NotLabels) == 0 && c.Pool == "" && c.Operator == "" && len(c.Providers) == 0 && c.MinReputation == 0 && c.Group == (Group{})
}

// validateConstraints checks list sizes, names and the reputation range.
func validateConstraints(v *validator, c Constraints) {
	list := func(field string, xs []string) {
		if len(xs) > MaxConstraintItems {
			v.add(field, "must have at most %d entries, got %d", MaxConstraintItems, len(xs))
			return
		}
		for i, x := range xs {
			if !validConstraintName(x) {
				v.add(field+"["+strconv.Itoa(i)+"]", "must be 1 to %d bytes without NUL, got %q", maxNameLen, x)
			}
		}
	}
	labels := func(field string, m map[string]string) {
		if len(m) > MaxConstraintItems {
			v.add(field, "must have at most %d entries, got %d", MaxConstraintItems, len(m))
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !validConstraintName(k) {
				v.add(field, "key %q must be 1 to %d bytes without NUL", k, maxNameLen)
			}
			if len(m[k]) > maxNameLen || strings.ContainsRune(m[k], 0) {
				v.add(field+"."+k, "must be at most %d bytes without NUL", maxNameLen)
			}
		}
	}
	list("constraints.regions", c.Regions)
	list("constraints.notRegions", c.NotRegions)
	labels("constraints.labels", c.Labels)
	labels("constraints.notLabels", c.NotLabels)
	for _, k := range slices.Sorted(maps.Keys(c.Labels)) {
		want := c.Labels[k]
		if got, ok := c.NotLabels[k]; ok && got == want {
			v.add("constraints.notLabels."+k, "contradicts constraints.labels.%s (%q)", k, want)
		}
	}
	if c.Pool != "" && !validConstraintName(c.Pool) {
		v.add("constraints.pool", "must be at most %d bytes without NUL", maxNameLen)
	}
	if c.Operator != "" && !validAddress(c.Operator) {
		v.add("constraints.operator", "must be an address (0x and 40 hex digits), got %q", c.Operator)
	}
	list("constraints.providers", c.Providers)
	if c.MinReputation < 0 || c.MinReputation > 1 || c.MinReputation != c.MinReputation {
		v.add("constraints.minReputation", "must be between 0 and 1, got %v", c.MinReputation)
	}
	if c.Group.MaxRTT < 0 || c.Group.MaxRTT > MaxTimeout {
		v.add("constraints.group.maxRTT", "must be positive and at most %s, got %s", MaxTimeout, c.Group.MaxRTT)
	}
}

func validConstraintName(s string) bool {
	return s != "" && len(s) <= maxNameLen && !strings.ContainsRune(s, 0)
}

// validAddress reports whether s is 0x and 40 hex digits.
func validAddress(s string) bool {
	if len(s) != 42 || s[:2] != "0x" {
		return false
	}
	for _, c := range s[2:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
