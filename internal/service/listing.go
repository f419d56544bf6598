package service

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer/query"
)

// Listing is one provider's service as a node lists it: from the signed
// offers it heard on gossip, from the registry contract's logs, or both.
type Listing struct {
	Name         string       `json:"name"`
	Type         string       `json:"type"`
	Price        money.Amount `json:"price"`
	UnitPrice    money.Amount `json:"unitPrice,omitempty"`
	MaxUnits     uint64       `json:"maxUnits,omitempty"`
	Verification string       `json:"verification"`
	// Provider is the provider's peer ID; Address its chain address.
	Provider string           `json:"provider"`
	Address  identity.Address `json:"address"`
	// Expires is when the gossiped offer lapses (zero: none heard).
	Expires time.Time `json:"expires,omitzero"`
	// Gossiped: a live signed offer was heard; OnChain: the registry
	// contract lists it (and has not seen it removed).
	Gossiped bool `json:"gossiped"`
	OnChain  bool `json:"onChain"`
}

// ListingOf is the listing of a gossiped offer.
func ListingOf(o Offer) Listing {
	return Listing{Name: o.Name, Type: o.Type, Price: o.Price, UnitPrice: o.UnitPrice, MaxUnits: o.MaxUnits,
		Verification: o.Verification, Provider: o.Provider, Address: o.Address, Expires: o.Expires, Gossiped: true}
}

// Merge lists gossiped offers and on-chain registrations together, one
// row per provider and service: a service both gossiped and registered
// shows the gossiped offer's terms (signed, and newer) with OnChain set.
// Rows are sorted by name, then price, then provider.
func Merge(offers []Offer, registered []Listing) []Listing {
	type key struct {
		addr identity.Address
		name string
	}
	rows := map[key]*Listing{}
	var out []Listing
	for _, o := range offers {
		l := ListingOf(o)
		rows[key{o.Address, o.Name}] = &l
	}
	for _, r := range registered {
		if l := rows[key{r.Address, r.Name}]; l != nil {
			l.OnChain = true
			continue
		}
		r.OnChain = true
		rows[key{r.Address, r.Name}] = &r
	}
	for _, l := range rows {
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b Listing) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.Price, b.Price), strings.Compare(a.Address.String(), b.Address.String()))
	})
	return out
}

// Query is the `deco services --where` language (the offers' language
// with these fields): name, type, price, unit_price, max_units,
// verification, provider (peer ID), address, gossiped and onchain
// ("yes" or "no").
var Query = query.NewSchema(
	text("name", func(l *Listing) string { return l.Name }),
	text("type", func(l *Listing) string { return l.Type }),
	query.Field{Name: "price", Kind: query.Money, Each: func(r any, fn func(int64, string) bool) bool {
		return fn(int64(r.(*Listing).Price), "")
	}},
	query.Field{Name: "unit_price", Kind: query.Money, Each: func(r any, fn func(int64, string) bool) bool {
		return fn(int64(r.(*Listing).UnitPrice), "")
	}},
	query.Field{Name: "max_units", Kind: query.Count, Each: func(r any, fn func(int64, string) bool) bool {
		return fn(int64(min(r.(*Listing).MaxUnits, 1<<62)), "")
	}},
	text("verification", func(l *Listing) string { return l.Verification }),
	text("provider", func(l *Listing) string { return l.Provider }),
	text("address", func(l *Listing) string { return l.Address.String() }),
	text("gossiped", func(l *Listing) string { return yesNo(l.Gossiped) }),
	text("onchain", func(l *Listing) string { return yesNo(l.OnChain) }),
)

func text(name string, get func(*Listing) string) query.Field {
	return query.Field{Name: name, Kind: query.Text, Each: func(r any, fn func(int64, string) bool) bool {
		return fn(0, get(r.(*Listing)))
	}}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// Filter returns the listings q matches (all when q is nil), in order.
func Filter(q *query.Query, ls []Listing) []Listing {
	if q == nil {
		return ls
	}
	out := []Listing{}
	for i := range ls {
		if q.MatchRecord(&ls[i]) {
			out = append(out, ls[i])
		}
	}
	return out
}

// Callable is what a proxy may call for a service: every live gossiped
// offer, and, for each on-chain registration with no gossiped offer of
// the same provider and name, an offer made of the registration's terms
// (unsigned and without expiry: the chain is its authority; the provider
// still signs every response with its identity's session key). Gossip
// is preferred because its signed terms are the newer.
func Callable(offers []Offer, registered []Listing) []Offer {
	type key struct {
		addr identity.Address
		name string
	}
	seen := make(map[key]bool, len(offers))
	out := slices.Clip(offers)
	for _, o := range offers {
		seen[key{o.Address, o.Name}] = true
	}
	for _, r := range registered {
		if seen[key{r.Address, r.Name}] {
			continue
		}
		seen[key{r.Address, r.Name}] = true
		out = append(out, Offer{Name: r.Name, Type: r.Type, Price: r.Price, UnitPrice: r.UnitPrice, MaxUnits: r.MaxUnits,
			Verification: r.Verification, Provider: r.Provider, Address: r.Address})
	}
	return out
}
