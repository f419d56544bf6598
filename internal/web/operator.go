package web

import (
	"context"
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
	// Farm and FarmErrors are the farm statement form's values and its
	// problems by field ("" for the form's); FarmView the statement.
	Farm       map[string]string
	FarmErrors map[string]string
	FarmView   *farmView
	Groupings  []string
}

// operatorPage shows the operators this node knows: their policies
// (pools, groups, specs), the certified nodes seen in offers, and this
// node's own billing statement (an operator's statement over all its
// nodes is signed with the operator's key: `deco billing --operator`).
func (d *Dashboard) operatorPage(w http.ResponseWriter, r *http.Request, s session) {
	data := d.operatorData(r.Context())
	data.Farm = d.farmForm(nil)
	d.render(w, http.StatusOK, "operator", s, data)
}

// operatorData gathers the operator page but the farm statement.
func (d *Dashboard) operatorData(ctx context.Context) operatorData {
	data := operatorData{Nodes: map[string][]offer.Offer{}, FarmErrors: map[string]string{}, Groupings: operator.Groupings}
	ob, ok := d.b.(api.OperatorBackend)
	if !ok {
		data.Problem = "this node has no operator support"
		return data
	}
	if v, err := ob.Operator(ctx); err == nil {
		data.View = &v
	} else {
		data.Problem = err.Error()
	}
	if ps, err := ob.OperatorPolicies(ctx); err == nil {
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
		if bill, err := bb.Billing(ctx, "provider", data.From, data.To, operator.BySpec); err == nil {
			data.BySpec, data.Total = bill.Lines, bill.Total
		}
		if bill, err := bb.Billing(ctx, "provider", data.From, data.To, operator.ByRequester); err == nil {
			data.ByRequester = bill.Lines
		}
	}
	return data
}
