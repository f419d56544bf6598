package sched

import (
	"fmt"
	"slices"
	"strings"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/operator"
)

// ExecutorFilter rejects providers that do not run the job's executor or
// do not allow the network access the job asks for.
type ExecutorFilter struct{}

// Name implements Filter.
func (ExecutorFilter) Name() string { return "executor" }

// Filter implements Filter.
func (ExecutorFilter) Filter(r *Request, o *offer.Offer) Status {
	if !o.HasExecutor(r.executor) {
		st := Status{Code: UnschedulableForever, Reason: r.executorReason}
		if r.Explain {
			st.Detail = fmt.Sprintf("%s (runs: %s)", r.executorReason, strings.Join(o.Executors, ", "))
		}
		return st
	}
	if r.Spec.Network.Outbound && !o.Network {
		return Status{Code: UnschedulableForever, Reason: "job needs network access; provider does not allow it"}
	}
	if r.Spec.Network.Links && !o.Links {
		return Status{Code: UnschedulableForever, Reason: "job links its tasks; provider cannot create job networks (no links capability)"}
	}
	if len(r.Spec.Ports) > 0 && !o.Ports {
		return Status{Code: UnschedulableForever, Reason: "job exposes ports; provider cannot forward to them (no ports capability)"}
	}
	return Fit
}

// Resource rejection reasons, constant so the report can group by them.
var (
	reasonNow   = [3]string{"not enough free cpu", "not enough free memory", "not enough free disk"}
	reasonNever = [3]string{"cpu request larger than the provider's whole share",
		"memory request larger than the provider's whole share", "disk request larger than the provider's whole share"}
)

// ResourcesFilter rejects providers without enough free CPU, memory or disk.
type ResourcesFilter struct{}

// Name implements Filter.
func (ResourcesFilter) Name() string { return "resources" }

// Filter implements Filter.
func (ResourcesFilter) Filter(r *Request, o *offer.Offer) Status {
	need := &r.Spec.Resources
	var dim int
	var want, free, total int64
	switch {
	case need.CPU > o.Free.CPU:
		dim, want, free, total = 0, int64(need.CPU), int64(o.Free.CPU), int64(o.Total.CPU)
	case need.Memory > o.Free.Memory:
		dim, want, free, total = 1, int64(need.Memory), int64(o.Free.Memory), int64(o.Total.Memory)
	case need.Disk > o.Free.Disk:
		dim, want, free, total = 2, int64(need.Disk), int64(o.Free.Disk), int64(o.Total.Disk)
	default:
		return customFits(r, o)
	}
	st := Status{Code: Unschedulable, Reason: reasonNow[dim]}
	if total > 0 && want > total {
		st = Status{Code: UnschedulableForever, Reason: reasonNever[dim]}
	}
	if r.Explain {
		format := func(v int64) string { return job.ByteSize(v).String() }
		if dim == 0 {
			format = func(v int64) string { return job.MilliCPU(v).String() + " cores" }
		}
		st.Detail = fmt.Sprintf("%s: needs %s, %s free", [3]string{"cpu", "memory", "disk"}[dim], format(want), format(free))
		if st.Code == UnschedulableForever {
			st.Detail += fmt.Sprintf(", %s in total", format(total))
		}
	}
	return st
}

// customFits checks the job's custom resources against the offer's.
func customFits(r *Request, o *offer.Offer) Status {
	for name, n := range r.Spec.Resources.Custom {
		free := o.Free.Custom[name]
		if n <= free {
			continue
		}
		st := Status{Code: Unschedulable, Reason: "not enough free custom resources"}
		if total := o.Total.Custom[name]; n > total {
			st = Status{Code: UnschedulableForever, Reason: "custom resource request larger than the provider's whole share"}
		}
		if r.Explain {
			st.Detail = fmt.Sprintf("%s: needs %d, %d free, %d in total", name, n, free, o.Total.Custom[name])
		}
		return st
	}
	return Fit
}

// GPUFilter rejects providers without enough free GPUs matching the job's
// vendor, model pattern and minimum VRAM.
type GPUFilter struct{}

// Skip implements Skipper.
func (GPUFilter) Skip(r *Request) bool { return r.Spec.Resources.GPUs == 0 }

// Name implements Filter.
func (GPUFilter) Name() string { return "gpu" }

// Filter implements Filter.
func (GPUFilter) Filter(r *Request, o *offer.Offer) Status {
	n := r.Spec.Resources.GPUs
	if n == 0 {
		return Fit
	}
	match := 0
	sel := r.Spec.Resources.GPU
	for i := range o.GPUs {
		if g := &o.GPUs[i]; sel.Matches(g.Vendor, g.Model, g.VRAM) {
			match++
		}
	}
	if match >= n {
		return Fit
	}
	st := Status{Code: Unschedulable, Reason: "not enough free matching GPUs"}
	if o.Total.GPUs > 0 && n > o.Total.GPUs {
		st = Status{Code: UnschedulableForever, Reason: "more GPUs than the provider has"}
	}
	if r.Explain {
		what := "GPUs"
		if sel != (job.GPUSelector{}) {
			what = "GPUs matching " + sel.String()
		}
		st.Detail = fmt.Sprintf("gpu: needs %d %s, %d free", n, what, match)
	}
	return st
}

// PriceFilter rejects providers whose price for the task is above the
// job's ceiling. A job that names a resource spec is priced by the spec,
// from the offer's operator's policy.
type PriceFilter struct {
	Operators OperatorSource
}

// Skip implements Skipper.
func (PriceFilter) Skip(r *Request) bool { return r.maxPrice == 0 }

// Name implements Filter.
func (PriceFilter) Name() string { return "price" }

// Filter implements Filter.
func (f PriceFilter) Filter(r *Request, o *offer.Offer) Status {
	if r.maxPrice == 0 {
		return Fit
	}
	p := o.Prices.PerHour(r.Spec.Resources)
	if r.Spec.ResourceSpec != "" {
		p = SpecPrice(f.Operators, o, r.Spec.ResourceSpec, p)
	}
	if p <= r.maxPrice {
		return Fit
	}
	st := Status{Code: Unschedulable, Reason: "price above the job's maximum"}
	if r.Explain {
		st.Detail = fmt.Sprintf("price: %s/h for this task, above the job's maximum %s/h", p, r.maxPrice)
	}
	return st
}

// OperatorSource gives the latest policy of an operator (nil: not known
// yet). *operator.Book is one.
type OperatorSource interface {
	Policy(op identity.Address) *operator.Policy
}

// BalanceSource is implemented by an OperatorSource that can read a
// requester's token balance, for operators' groups of token holders.
type BalanceSource interface {
	Balance(addr identity.Address) (money.Amount, bool)
}

// Pool rejection reasons, constant so the report can group by them.
const (
	reasonUncertifiedPool = "claims its pool without an operator's certificate"
	reasonPolicyUnknown   = "its operator's policy is not known here yet"
	reasonOtherOperator   = "certified by another operator than the job's"
	reasonGroup           = "its pool is for a group of requesters you are not in"
	reasonNoSpec          = "does not sell the job's resource spec"
)

// PoolFilter enforces the job's pool, operator and provider allow-list,
// the offer's own list of admitted requesters, and the groups its
// operator's pool is bound to. Pools and groups are what the operator
// signed (its certificate in the offer, its policy from Operators), never
// what a node claims for itself.
type PoolFilter struct {
	Operators OperatorSource
}

// Name implements Filter.
func (PoolFilter) Name() string { return "pool" }

// Filter implements Filter.
func (f PoolFilter) Filter(r *Request, o *offer.Offer) Status {
	op, certified := o.OperatorAddress()
	if r.hasOperator && (!certified || op != r.operator) {
		return Status{Code: UnschedulableForever, Reason: reasonOtherOperator}
	}
	var pol *operator.Policy
	if certified && f.Operators != nil {
		pol = f.Operators.Policy(op)
	}
	if r.poolReason != "" {
		switch {
		case o.Pool != r.Spec.Constraints.Pool:
			st := Status{Code: UnschedulableForever, Reason: r.poolReason}
			if r.Explain {
				st.Detail = fmt.Sprintf("%s (in pool %q)", r.poolReason, o.Pool)
			}
			return st
		case !certified:
			return Status{Code: UnschedulableForever, Reason: reasonUncertifiedPool}
		case pol == nil:
			return Status{Code: Unschedulable, Reason: reasonPolicyUnknown}
		}
		if pl := pol.PoolOf(o.Node); pl == nil || pl.Name != o.Pool {
			st := Status{Code: UnschedulableForever, Reason: r.poolReason}
			if r.Explain {
				st.Detail = fmt.Sprintf("%s (claims pool %q; its operator's policy version %d does not put it there)", r.poolReason, o.Pool, pol.Version)
			}
			return st
		}
	}
	if r.providers != nil {
		if _, ok := r.providers[o.Node]; !ok {
			return Status{Code: UnschedulableForever, Reason: "not in the job's provider allow-list"}
		}
	}
	if !o.Admits(r.Requester) {
		return Status{Code: UnschedulableForever, Reason: "reserved to other requesters"}
	}
	if pol != nil {
		var bal operator.BalanceOf
		if b, ok := f.Operators.(BalanceSource); ok {
			bal = b.Balance
		}
		if err := pol.Admit(pol.PoolOf(o.Node), r.requesterAddr, bal); err != nil {
			st := Status{Code: UnschedulableForever, Reason: reasonGroup}
			if r.Explain {
				st.Detail = err.Error()
			}
			return st
		}
	}
	if name := r.Spec.ResourceSpec; name != "" {
		switch {
		case certified && pol == nil:
			return Status{Code: Unschedulable, Reason: reasonPolicyUnknown}
		case pol == nil || !pol.Sells(o.Node, name):
			return Status{Code: UnschedulableForever, Reason: reasonNoSpec}
		}
	}
	return Fit
}

// RegionFilter enforces the job's accepted and refused regions.
type RegionFilter struct{}

// Skip implements Skipper.
func (RegionFilter) Skip(r *Request) bool { return len(r.regions) == 0 && len(r.notRegions) == 0 }

// Name implements Filter.
func (RegionFilter) Name() string { return "region" }

// Filter implements Filter.
func (RegionFilter) Filter(r *Request, o *offer.Offer) Status {
	if len(r.regions) > 0 && !slices.Contains(r.regions, o.Region) {
		st := Status{Code: UnschedulableForever, Reason: "region not accepted"}
		if r.Explain {
			st.Detail = fmt.Sprintf("region %q not in %q", o.Region, r.regions)
		}
		return st
	}
	if len(r.notRegions) > 0 && slices.Contains(r.notRegions, o.Region) {
		st := Status{Code: UnschedulableForever, Reason: "region refused"}
		if r.Explain {
			st.Detail = fmt.Sprintf("region %q is refused by the job", o.Region)
		}
		return st
	}
	return Fit
}

// LabelsFilter enforces the job's required and refused offer labels.
type LabelsFilter struct{}

// Skip implements Skipper.
func (LabelsFilter) Skip(r *Request) bool { return len(r.labels) == 0 && len(r.notLabels) == 0 }

// Name implements Filter.
func (LabelsFilter) Name() string { return "labels" }

// Filter implements Filter.
func (LabelsFilter) Filter(r *Request, o *offer.Offer) Status {
	for i := range r.labels {
		l := &r.labels[i]
		if v, ok := o.Labels[l.key]; !ok || v != l.value {
			st := Status{Code: UnschedulableForever, Reason: l.reason}
			if r.Explain {
				if ok {
					st.Detail = fmt.Sprintf("%s (has %s=%s)", l.reason, l.key, v)
				} else {
					st.Detail = fmt.Sprintf("%s (no %s label)", l.reason, l.key)
				}
			}
			return st
		}
	}
	for i := range r.notLabels {
		l := &r.notLabels[i]
		if v, ok := o.Labels[l.key]; ok && v == l.value {
			return Status{Code: UnschedulableForever, Reason: l.reason}
		}
	}
	return Fit
}

// ReputationFilter rejects providers whose reputation is below the job's
// minimum. Providers the source does not know count as neutral.
type ReputationFilter struct {
	// Source gives reputations; nil makes every provider neutral.
	Source ReputationSource
}

// Skip implements Skipper.
func (ReputationFilter) Skip(r *Request) bool { return r.minRep == 0 }

// Name implements Filter.
func (ReputationFilter) Name() string { return "reputation" }

// Filter implements Filter.
func (f ReputationFilter) Filter(r *Request, o *offer.Offer) Status {
	if r.minRep == 0 {
		return Fit
	}
	rep, known := r.reputation(f.Source, o.Node)
	if rep >= r.minRep {
		return Fit
	}
	st := Status{Code: Unschedulable, Reason: "reputation below the job's minimum"}
	if r.Explain {
		what := fmt.Sprintf("%.2f", rep)
		if !known {
			what = fmt.Sprintf("unknown (neutral %.2f)", rep)
		}
		st.Detail = fmt.Sprintf("reputation %s below the job's minimum %.2f", what, r.minRep)
	}
	return st
}

// SpecPrice is the price per hour of the named spec on the offer's node:
// the spec's price in its operator's policy, or otherwise when the policy
// is not known or does not define it.
func SpecPrice(ops OperatorSource, o *offer.Offer, spec string, otherwise money.Amount) money.Amount {
	op, ok := o.OperatorAddress()
	if !ok || ops == nil {
		return otherwise
	}
	if pol := ops.Policy(op); pol != nil {
		if s := pol.Spec(spec); s != nil {
			return s.PricePerHour
		}
	}
	return otherwise
}
