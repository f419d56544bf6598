package web

import (
	"net/http"
	"time"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/operator"
)

type operatorData struct {
	// View is this node's certificate and pool (nil: no operator support).
	View     *api.OperatorView
	Policies []*operator.Policy
	// Nodes are the offers of nodes an operator certified, by operator.
	Nodes map[string][]offer.Offer
	// BySpec and ByRequester are this node's statement as a provider over
	// the last spendDays days.
	From, To    time.Time
	BySpec      []operator.Line
	ByRequester []operator.Line
	Total       operator.Line
	Problem     string
}

// operatorPage shows the operators this node knows: their policies
// (pools, groups, specs), the certified nodes seen in offers, and this
// node's own billing statement (an operator's statement over all its
// nodes is signed with the operator's key: `deco billing --operator`).
func (d *Dashboard) operatorPage(w http.ResponseWriter, r *http.Request, s session) {
	data := operatorData{Nodes: map[string][]offer.Offer{}}
	ob, ok := d.b.(api.OperatorBackend)
	if !ok {
		data.Problem = "this node has no operator support"
		d.render(w, http.StatusOK, "operator", s, data)
		return
	}
	if v, err := ob.Operator(r.Context()); err == nil {
		data.View = &v
	} else {
		data.Problem = err.Error()
	}
	if ps, err := ob.OperatorPolicies(r.Context()); err == nil {
		data.Policies = ps
	}
	for _, o := range d.b.Offers() {
		if o.Operator != nil {
			k := o.Operator.Operator.String()
			data.Nodes[k] = append(data.Nodes[k], o)
		}
	}
	if bb, ok := d.b.(api.BillingBackend); ok {
		data.To = d.now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
		data.From = data.To.Add(-spendDays * 24 * time.Hour)
		if bill, err := bb.Billing(r.Context(), "provider", data.From, data.To, operator.BySpec); err == nil {
			data.BySpec, data.Total = bill.Lines, bill.Total
		}
		if bill, err := bb.Billing(r.Context(), "provider", data.From, data.To, operator.ByRequester); err == nil {
			data.ByRequester = bill.Lines
		}
	}
	d.render(w, http.StatusOK, "operator", s, data)
}
