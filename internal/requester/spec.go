package requester

import (
	"fmt"
	"strings"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
)

// resolveSpec gives a job that names a resource spec the spec's resources,
// as the operators known here define it (the job's constraints.operator,
// when set, says whose). Two operators that define it differently make it
// ambiguous; resources written in the job besides the spec must match.
func (r *Requester) resolveSpec(spec *job.Spec) error {
	name := spec.ResourceSpec
	if name == "" {
		return nil
	}
	var only *identity.Address
	if a, err := identity.ParseAddress(spec.Constraints.Operator); err == nil {
		only = &a
	}
	var found *job.Resources
	var by []string
	if r.cfg.Operators != nil {
		for _, p := range r.cfg.Operators.All() {
			if only != nil && p.Operator != *only {
				continue
			}
			s := p.Spec(name)
			if s == nil {
				continue
			}
			if found != nil && !found.Equal(s.Resources) {
				return job.FieldErrors{{Field: "spec", Problem: fmt.Sprintf("operators %s and %s define %q differently; choose one with constraints.operator",
					by[0], p.Operator, name)}}
			}
			res := s.Resources
			found = &res
			by = append(by, p.Operator.String())
		}
	}
	if found == nil {
		where := "no operator known here defines it"
		if only != nil {
			where = "operator " + only.String() + " does not define it (or its policy is not known here yet)"
		}
		return job.FieldErrors{{Field: "spec", Problem: fmt.Sprintf("resource spec %q: %s", name, where)}}
	}
	res := *found
	if res.Disk == 0 {
		res.Disk = job.DefaultDisk
	}
	if w := spec.Resources; (w.CPU != 0 || w.Memory != 0) && (w.CPU != res.CPU || w.Memory != res.Memory || w.GPUs != res.GPUs || !job.Resources{Custom: w.Custom}.Equal(job.Resources{Custom: res.Custom})) {
		return job.FieldErrors{{Field: "resources", Problem: fmt.Sprintf("spec %q sets them (%s cores, %s memory, %d GPUs, by %s); leave resources out",
			name, res.CPU, res.Memory, res.GPUs, strings.Join(by, ", "))}}
	}
	spec.Resources = res
	return spec.Validate()
}
