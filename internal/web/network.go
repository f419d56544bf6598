package web

import (
	"net/http"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/offer/query"
)

// maxWhere caps the offers query a page takes.
const maxWhere = 1024

type networkData struct {
	Self   api.Identity
	Peers  []api.Peer
	Offers []offer.Offer
	// All counts the offers before the query.
	All   int
	Where string
	// WhereError is the query's problem, shown at its field.
	WhereError string
	Bars       []offerBar
}

// networkPage lists peers and offers, the offers filtered with the query
// language of `deco offers --where`.
func (d *Dashboard) networkPage(w http.ResponseWriter, r *http.Request, s session) {
	data := networkData{Self: d.b.Identity(), Peers: d.b.Peers(), Where: r.URL.Query().Get("where")}
	offers := d.b.Offers()
	data.All = len(offers)
	status := http.StatusOK
	switch {
	case len(data.Where) > maxWhere:
		data.WhereError, status = "the query is longer than 1024 bytes", http.StatusBadRequest
		data.Where = cut(data.Where, 64)
	case data.Where != "":
		q, err := query.Parse(data.Where)
		if err != nil {
			data.WhereError, status = err.Error(), http.StatusBadRequest
			break
		}
		offers = q.Filter(offers)
	}
	if status == http.StatusOK {
		data.Offers = offers
	}
	data.Bars = offersChart(data.Offers)
	d.render(w, status, "network", s, data)
}
