package provider

import (
	"path/filepath"
	"slices"
	"strings"
)

// public rewrites a message about execution id for its requester: the
// provider's host paths become what the task sees (/outputs, /inputs) or a
// placeholder, so that no error tells a requester how the provider's disk
// is laid out. The provider's log keeps the original.
func (p *Provider) public(id, msg string) string {
	if msg == "" {
		return msg
	}
	exec := p.execDir(id)
	type swap struct{ from, to string }
	var swaps []swap
	for _, base := range hostForms(exec) {
		swaps = append(swaps,
			swap{filepath.Join(base, "outputs"), "/outputs"},
			swap{filepath.Join(base, "inputs"), "/inputs"},
			swap{base, "<execution directory>"})
	}
	for _, base := range hostForms(p.cfg.DataDir) {
		swaps = append(swaps, swap{base, "<data directory>"})
	}
	for _, s := range swaps {
		msg = strings.ReplaceAll(msg, s.from, s.to)
	}
	return msg
}

// hostForms is path as given and with symbolic links resolved (errors
// from the kernel and the engine may name either), longest first.
func hostForms(path string) []string {
	if path == "" {
		return nil
	}
	path = filepath.Clean(path)
	forms := []string{path}
	if abs, err := filepath.Abs(path); err == nil && abs != path {
		forms = append(forms, abs)
	}
	if real, err := filepath.EvalSymlinks(path); err == nil && real != path {
		forms = append(forms, real)
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(forms)
}
