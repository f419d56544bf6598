package web

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/operator"
)

// farmNode is a fake node that collects an operator's statement: it
// checks the signed request as the node does and answers two nodes, one
// of them refusing.
type farmNode struct {
	*fakeNode
	// a and b are the nodes' peer IDs.
	a, b   string
	policy *operator.Policy
	asked  []operator.BillingRequest
	now    func() time.Time
}

func (f *farmNode) Operator(context.Context) (api.OperatorView, error) {
	return api.OperatorView{}, nil
}
func (f *farmNode) SetOperatorCert(context.Context, operator.Cert) (api.OperatorView, error) {
	return api.OperatorView{}, nil
}
func (f *farmNode) OperatorPolicies(context.Context) ([]*operator.Policy, error) {
	return []*operator.Policy{f.policy}, nil
}
func (f *farmNode) PublishPolicy(context.Context, *operator.Policy) (api.PolicyPublished, error) {
	return api.PolicyPublished{}, nil
}
func (f *farmNode) OperatorBilling(_ context.Context, req operator.BillingRequest) (api.OperatorBilling, error) {
	if err := req.Verify(f.now()); err != nil {
		return api.OperatorBilling{}, api.ErrBadRequest
	}
	f.asked = append(f.asked, req)
	day := operator.Line{Key: "2027-01-15", Executions: 3, MachineHours: 1.5, Due: 4 * money.Unit, Paid: 3 * money.Unit}
	total := day
	total.Key = "total"
	return api.OperatorBilling{Operator: req.Operator, From: req.From, To: req.To, By: req.By, Lines: []operator.Line{day}, Total: total, Answered: 1,
		Nodes: []api.NodeStatement{{Node: f.a, Lines: []operator.Line{day}, Total: total},
			{Node: f.b, Error: "this node is not one of operator's"}}}, nil
}

// TestFarmStatement: the operator page signs a billing request with the
// operator key from its keystore, shows the statement by node, pool and
// line with the signature verified, and downloads the signed request
// with the statement; a wrong passphrase or day is shown at its field.
func TestFarmStatement(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	key, _, err := identity.OpenOrCreate(dir, identity.Options{Passphrase: "farm secret"})
	if err != nil {
		t.Fatal(err)
	}
	var peers [2]string
	for i := range peers {
		k, err := identity.Generate(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		peers[i] = k.PeerID()
	}
	pol, err := operator.Sign(key, operator.Body{Pools: []operator.Pool{{Name: "gpu-a", Nodes: []string{peers[0]}}}}, h.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	fn := &farmNode{fakeNode: h.node, a: peers[0], b: peers[1], policy: pol, now: h.clock.now}
	h.d = New(Config{Backend: fn, Clock: h.clock.now, OperatorDir: dir})
	cookie, csrf := h.login()
	page := h.do("GET", "/ui/operator", cookie, nil)
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), `value="`+dir+`"`) {
		t.Fatalf("operator page: %d, keystore not suggested:\n%s", page.Code, page.Body)
	}
	form := url.Values{CSRFField: {csrf}, "dir": {dir}, "passphrase": {"farm secret"}, "from": {"2027-01-01"}, "to": {"2027-02-01"}, "by": {"day"}, "action": {"show"}}

	rec := h.form("/ui/operator/billing", cookie, form)
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("show: %d\n%s", rec.Code, body)
	}
	if len(fn.asked) != 1 || fn.asked[0].Operator != key.Address() || fn.asked[0].By != "day" ||
		!fn.asked[0].From.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) || !fn.asked[0].To.Equal(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("asked %+v", fn.asked)
	}
	for _, want := range []string{"verified</span>", "1 of 2 nodes answered", key.Address().String(), "<td>gpu-a</td><td>3</td><td>1.5000</td>",
		"no statement: this node is not one of operator", "<td>2027-01-15</td>", `id="farm-total"`} {
		if !strings.Contains(body, want) {
			t.Errorf("statement lacks %q", want)
		}
	}
	if strings.Contains(body, "farm secret") {
		t.Fatal("the passphrase is shown again")
	}

	form.Set("action", "download")
	rec = h.form("/ui/operator/billing", cookie, form)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment;") {
		t.Fatalf("download: %d %v", rec.Code, rec.Header())
	}
	var got farmStatement
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if err := got.Request.Verify(h.clock.now()); err != nil || got.Statement.Total.Executions != 3 || len(got.Statement.Nodes) != 2 {
		t.Fatalf("downloaded statement: %+v (%v)", got, err)
	}
	// The signature covers the window: a changed one does not verify.
	got.Request.To = got.Request.To.Add(time.Hour)
	if got.Request.Verify(h.clock.now()) == nil {
		t.Fatal("a request with another window verifies")
	}

	for _, c := range []struct{ name, field, value, want string }{
		{"wrong passphrase", "passphrase", "nope", "cannot open the operator key"},
		{"no keystore", "dir", t.TempDir(), "no operator key here"},
		{"bad day", "from", "yesterday", "want YYYY-MM-DD"},
		{"empty window", "to", "2027-01-01", "want a time after from"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set(c.field, c.value)
			rec := h.form("/ui/operator/billing", cookie, f)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), c.want) {
				t.Fatalf("%d, want 400 with %q:\n%s", rec.Code, c.want, rec.Body)
			}
		})
	}
	if len(fn.asked) != 2 {
		t.Fatalf("%d requests reached the node (want 2)", len(fn.asked))
	}
}
