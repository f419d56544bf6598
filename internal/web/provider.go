package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/operator"
	"github.com/deco-network/deco/internal/provider"
	"github.com/deco-network/deco/internal/store"
)

// ProviderBackend is what the provider page needs beyond api.Backend: the
// executions this node ran or runs as a provider, newest first. A Backend
// without it shows no task list.
type ProviderBackend interface {
	Executions(ctx context.Context, limit int) ([]store.Execution, error)
}

// onboardFields are the onboarding form's inputs.
var onboardFields = []string{"cpu", "memory", "disk", "gpus", "price.cpu", "price.memory", "price.disk", "price.gpu", "region", "validator", "network"}

type providerData struct {
	View     *api.OnboardingView
	Values   map[string]string
	Errors   map[string]string
	Problem  string
	Notice   string
	Running  []store.Execution
	Recent   []store.Execution
	Wallet   *api.Wallet
	Earnings operator.Line
	Chart    *chart
	// Use is the share in use by the running tasks, by resource.
	Use []useBar
	// Util is the share used over time (nil: not onboarded, or a Backend
	// without UtilisationBackend).
	Util *utilView
}

// useBar is one resource of the share and how much of it running tasks
// hold, drawn as a bar (widths in pixels of barWidth).
type useBar struct {
	Resource, Used, Share string
	Pct                   float64
	UsedW                 int
}

// shareUse sums the running executions' resources against the share.
func shareUse(share inventory.Share, running []store.Execution) []useBar {
	var r job.Resources
	for _, e := range running {
		r.CPU += e.Spec.Resources.CPU
		r.Memory += e.Spec.Resources.Memory
		r.Disk += e.Spec.Resources.Disk
		r.GPUs += e.Spec.Resources.GPUs
	}
	bar := func(name string, used, total float64, u, t string) useBar {
		b := useBar{Resource: name, Used: u, Share: t}
		if total > 0 {
			b.Pct = min(100, 100*used/total)
			b.UsedW = int(b.Pct / 100 * barWidth)
		}
		return b
	}
	out := []useBar{
		bar("CPU", float64(r.CPU), float64(share.CPU), r.CPU.String(), share.CPU.String()),
		bar("memory", float64(r.Memory), float64(share.Memory), human(uint64(r.Memory)), human(uint64(share.Memory))),
		bar("disk", float64(r.Disk), float64(share.Disk), human(uint64(r.Disk)), human(uint64(share.Disk))),
	}
	if len(share.GPUs) > 0 {
		out = append(out, bar("GPUs", float64(r.GPUs), float64(len(share.GPUs)), fmt.Sprint(r.GPUs), fmt.Sprint(len(share.GPUs))))
	}
	return out
}

func (d *Dashboard) providerPage(w http.ResponseWriter, r *http.Request, s session) {
	data := d.providerData(r.Context(), r.URL.Query().Get("span"))
	data.Notice = noticeOf(r)
	d.render(w, http.StatusOK, "provider", s, data)
}

// noticeOf is the outcome a POST redirected with (?done=...), as a
// sentence.
func noticeOf(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "onboard":
		return "Onboarded: the node now offers this share at these prices."
	case "offboard":
		return "Offboarded: the node sells nothing now."
	case "redeem":
		return "Redeemed the latest vouchers on chain."
	case "stake":
		return "Staked."
	}
	return ""
}

// providerData gathers the provider page, its utilisation chart over the
// window named span; what a Backend lacks is left out.
func (d *Dashboard) providerData(ctx context.Context, span string) providerData {
	data := providerData{Values: map[string]string{}, Errors: map[string]string{}}
	v, err := d.b.Onboarding(ctx)
	if err != nil {
		data.Problem = err.Error()
	} else {
		data.View = &v
		data.Values = policyValues(v)
	}
	if pb, ok := d.b.(ProviderBackend); ok {
		if ex, err := pb.Executions(ctx, 50); err == nil {
			for _, e := range ex {
				if e.State.Terminal() {
					data.Recent = append(data.Recent, e)
				} else {
					data.Running = append(data.Running, e)
				}
			}
		}
	}
	if data.View != nil && data.View.Current != nil {
		data.Use = shareUse(data.View.Current.Policy.Share, data.Running)
		data.Util = d.utilisationView(ctx, data.View.Current.Policy.Share, span)
	}
	if wb, ok := d.b.(api.WalletBackend); ok {
		if wal, err := wb.Wallet(ctx); err == nil {
			data.Wallet = &wal
		}
	}
	if bb, ok := d.b.(api.BillingBackend); ok {
		to := d.now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
		from := to.Add(-spendDays * 24 * time.Hour)
		if bill, err := bb.Billing(ctx, "provider", from, to, operator.ByDay); err == nil {
			data.Earnings = bill.Total
			data.Chart = dayChart(from, spendDays, bill.Lines, "earned (DECO)")
		}
	}
	return data
}

// policyValues fills the onboarding form from the current policy, or the
// suggested share of the machine.
func policyValues(v api.OnboardingView) map[string]string {
	share, prices := v.Default, provider.Policy{}.Prices
	var pol provider.Policy
	if v.Current != nil {
		pol = v.Current.Policy
		share, prices = pol.Share, pol.Prices
	}
	vals := map[string]string{"cpu": share.CPU.String(), "memory": share.Memory.String(), "disk": share.Disk.String(),
		"gpus": strings.Join(share.GPUs, ","), "price.cpu": prices.CPUHour.String(), "price.memory": prices.MemoryGiBHour.String(),
		"price.disk": prices.DiskGiBHour.String(), "price.gpu": prices.GPUHour.String(), "region": pol.Region}
	if pol.Validator {
		vals["validator"] = "on"
	}
	if pol.AllowNetwork {
		vals["network"] = "on"
	}
	return vals
}

// onboard sets the share and prices from the form (as `deco onboard`
// does), keeping the rest of the current policy.
func (d *Dashboard) onboard(w http.ResponseWriter, r *http.Request, s session) {
	if r.PostFormValue("action") == "offboard" {
		if err := d.b.Offboard(r.Context()); err != nil {
			d.providerProblem(w, r, s, nil, nil, err.Error())
			return
		}
		http.Redirect(w, r, "/ui/provider?done=offboard", http.StatusSeeOther)
		return
	}
	vals, errs := map[string]string{}, map[string]string{}
	for _, f := range onboardFields {
		vals[f] = strings.TrimSpace(r.PostFormValue(f))
	}
	var pol provider.Policy
	if v, err := d.b.Onboarding(r.Context()); err == nil && v.Current != nil {
		pol = v.Current.Policy
	}
	var err error
	if pol.Share.CPU, err = job.ParseMilliCPU(vals["cpu"]); err != nil {
		errs["cpu"] = err.Error()
	}
	if pol.Share.Memory, err = job.ParseByteSize(vals["memory"]); err != nil {
		errs["memory"] = err.Error()
	}
	if pol.Share.Disk, err = job.ParseByteSize(vals["disk"]); err != nil {
		errs["disk"] = err.Error()
	}
	pol.Share.GPUs = nil
	for g := range strings.SplitSeq(vals["gpus"], ",") {
		if g = strings.TrimSpace(g); g != "" {
			pol.Share.GPUs = append(pol.Share.GPUs, g)
		}
	}
	price := func(field string, into *money.Amount) {
		if vals[field] == "" {
			*into = 0
			return
		}
		if *into, err = money.Parse(vals[field]); err != nil {
			errs[field] = err.Error()
		}
	}
	price("price.cpu", &pol.Prices.CPUHour)
	price("price.memory", &pol.Prices.MemoryGiBHour)
	price("price.disk", &pol.Prices.DiskGiBHour)
	price("price.gpu", &pol.Prices.GPUHour)
	pol.Region = vals["region"]
	pol.Validator, pol.AllowNetwork = vals["validator"] == "on", vals["network"] == "on"
	if len(errs) > 0 {
		d.providerProblem(w, r, s, vals, errs, "Some fields need fixing; nothing was changed.")
		return
	}
	if _, err := d.b.Onboard(r.Context(), pol); err != nil {
		d.providerProblem(w, r, s, vals, errs, err.Error())
		return
	}
	http.Redirect(w, r, "/ui/provider?done=onboard", http.StatusSeeOther)
}

// providerProblem shows the provider page again with the form as sent.
func (d *Dashboard) providerProblem(w http.ResponseWriter, r *http.Request, s session, vals, errs map[string]string, problem string) {
	data := d.providerData(r.Context(), "")
	if vals != nil {
		data.Values = vals
	}
	if errs != nil {
		data.Errors = errs
	}
	data.Problem = problem
	d.render(w, http.StatusBadRequest, "provider", s, data)
}

func (d *Dashboard) redeem(w http.ResponseWriter, r *http.Request, s session) {
	wb, ok := d.b.(api.WalletBackend)
	if !ok {
		d.providerProblem(w, r, s, nil, nil, "this node has no wallet")
		return
	}
	if _, err := wb.Redeem(r.Context(), ""); err != nil {
		d.providerProblem(w, r, s, nil, nil, "redeem: "+err.Error())
		return
	}
	http.Redirect(w, r, "/ui/provider?done=redeem", http.StatusSeeOther)
}

func (d *Dashboard) stake(w http.ResponseWriter, r *http.Request, s session) {
	wb, ok := d.b.(api.WalletBackend)
	if !ok {
		d.providerProblem(w, r, s, nil, nil, "this node has no wallet")
		return
	}
	amount, err := money.Parse(strings.TrimSpace(r.PostFormValue("amount")))
	if err != nil || amount <= 0 {
		d.providerProblem(w, r, s, nil, map[string]string{"stake": "want a positive amount of DECO, e.g. 10"}, "Nothing was staked.")
		return
	}
	if _, err := wb.Stake(r.Context(), amount); err != nil {
		d.providerProblem(w, r, s, nil, nil, "stake: "+err.Error())
		return
	}
	http.Redirect(w, r, "/ui/provider?done=stake", http.StatusSeeOther)
}
