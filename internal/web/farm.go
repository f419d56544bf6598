package web

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/operator"
)

// farmFields are the farm statement form's inputs (the passphrase is
// never shown again).
var farmFields = []string{"dir", "from", "to", "by"}

// farmView is the operator's statement over its nodes, as `deco billing
// --operator` collects it: the signed request, the node's answer, and its
// rows by pool.
type farmView struct {
	Request operator.BillingRequest
	// Signature is the request's signature, in hex.
	Signature string
	// Verified says the signature recovers the request's operator (the
	// node checked it too before asking its nodes).
	Verified bool
	Bill     api.OperatorBilling
	// Pools sums the answering nodes' totals by their pool in the
	// operator's policy ("(no pool)" for a node in none).
	Pools []operator.Line
	// PoolOf is each node's pool.
	PoolOf map[string]string
}

// farmStatement is what the download holds: the operator's signed
// request and the statement the node collected for it.
type farmStatement struct {
	Request   operator.BillingRequest `json:"request"`
	Statement api.OperatorBilling     `json:"statement"`
}

// defaultOperatorDir is where `deco operator init` keeps the operator
// key by default, for the form.
func defaultOperatorDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".deco-operator")
}

// farmForm is the farm form's values: as sent, or the defaults (the
// last spendDays days, by day).
func (d *Dashboard) farmForm(r *http.Request) map[string]string {
	to := d.now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	vals := map[string]string{"dir": d.operatorDir, "from": to.Add(-spendDays * 24 * time.Hour).Format(time.DateOnly),
		"to": to.Format(time.DateOnly), "by": operator.ByDay}
	if r != nil && r.Method == http.MethodPost {
		for _, f := range farmFields {
			vals[f] = strings.TrimSpace(r.PostFormValue(f))
		}
	}
	return vals
}

// farmTime reads a form's time as the CLI does: RFC 3339 or a UTC day.
func farmTime(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		if t, err = time.Parse(time.DateOnly, v); err != nil {
			return t, fmt.Errorf("%q: want YYYY-MM-DD or RFC 3339", v)
		}
	}
	return t.UTC(), nil
}

// farm signs a billing request with the operator key in the form's
// keystore directory and passphrase and has the node collect its nodes'
// statements (POST /v1/operator/billing's code, as `deco billing
// --operator`); action=download answers the signed request and the
// statement as a JSON file.
func (d *Dashboard) farm(w http.ResponseWriter, r *http.Request, s session) {
	data := d.operatorData(r.Context())
	data.Farm = d.farmForm(r)
	fail := func(field, msg string) {
		data.FarmErrors[field] = msg
		d.render(w, http.StatusBadRequest, "operator", s, data)
	}
	ob, ok := d.b.(api.OperatorBillingBackend)
	if !ok {
		fail("", "this node cannot collect an operator's statement")
		return
	}
	from, err := farmTime(data.Farm["from"])
	if err != nil {
		fail("from", err.Error())
		return
	}
	to, err := farmTime(data.Farm["to"])
	if err != nil {
		fail("to", err.Error())
		return
	}
	if !from.Before(to) {
		fail("to", "want a time after from")
		return
	}
	dir := data.Farm["dir"]
	if st, err := identity.Inspect(dir); dir == "" || err != nil || !st.Exists {
		fail("dir", "no operator key here (deco operator init makes one)")
		return
	}
	key, _, err := identity.OpenOrCreate(dir, identity.Options{Passphrase: r.PostFormValue("passphrase"), Logger: d.log})
	if err != nil {
		fail("passphrase", "cannot open the operator key: "+err.Error())
		return
	}
	req, err := operator.SignBillingRequest(key, from, to, data.Farm["by"], d.now())
	if err != nil {
		fail("by", err.Error())
		return
	}
	bill, err := ob.OperatorBilling(r.Context(), req)
	if err != nil {
		if errors.Is(err, api.ErrBadRequest) {
			fail("", err.Error())
			return
		}
		d.log.Warn("operator billing", "err", err)
		fail("", "collect the statement: "+err.Error())
		return
	}
	if r.PostFormValue("action") == "download" {
		b, err := json.MarshalIndent(farmStatement{Request: req, Statement: bill}, "", "  ")
		if err != nil {
			d.plainError(w, http.StatusInternalServerError, err.Error())
			return
		}
		name := fmt.Sprintf("deco-statement-%s-%s-%s.json", req.Operator, from.Format("20060102"), to.Format("20060102"))
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		_, _ = w.Write(append(b, '\n'))
		return
	}
	data.FarmView = d.farmView(r.Context(), req, bill)
	d.render(w, http.StatusOK, "operator", s, data)
}

// farmView lays a statement out for the page: its rows by pool from the
// operator's policy this node holds.
func (d *Dashboard) farmView(ctx context.Context, req operator.BillingRequest, bill api.OperatorBilling) *farmView {
	v := &farmView{Request: req, Bill: bill, Signature: "0x" + hex.EncodeToString(req.Signature), Verified: req.Verify(d.now()) == nil,
		PoolOf: map[string]string{}}
	var pol *operator.Policy
	if ob, ok := d.b.(api.OperatorBackend); ok {
		if ps, err := ob.OperatorPolicies(ctx); err == nil {
			for _, p := range ps {
				if p.Operator == req.Operator {
					pol = p
				}
			}
		}
	}
	var byPool [][]operator.Line
	for _, n := range bill.Nodes {
		pool := "(no pool)"
		if pol != nil {
			if p := pol.PoolOf(n.Node); p != nil {
				pool = p.Name
			}
		}
		v.PoolOf[n.Node] = pool
		if n.Error == "" {
			t := n.Total
			t.Key = pool
			byPool = append(byPool, []operator.Line{t})
		}
	}
	v.Pools, _ = operator.Merge(byPool...)
	return v
}
