package offer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestCatalogAgainstModel runs random puts, withdrawals, removals and
// expiries against the catalog and a plain map, and checks that Get,
// List, View and Len agree after every step.
func TestCatalogAgainstModel(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := NewCatalog(func() time.Time { return now })
	model := map[string]Offer{}
	gone := map[string]uint64{}
	rng := rand.New(rand.NewPCG(3, 4))
	seq := uint64(0)
	for step := range 3000 {
		node := fmt.Sprintf("n%02d", rng.IntN(40))
		seq++
		o := Offer{Node: node, Seq: seq, Expires: now.Add(time.Duration(1+rng.IntN(20)) * time.Second)}
		switch op := rng.IntN(10); {
		case op < 6:
			if seq > gone[node] {
				model[node] = o
			}
			c.insert(o)
		case op < 7:
			o.Withdrawn = true
			delete(model, node)
			gone[node] = seq
			c.insert(o)
		case op < 8:
			delete(model, node)
			c.Remove(node)
		default:
			now = now.Add(time.Duration(rng.IntN(3)) * time.Second)
			for k, m := range model {
				if !now.Before(m.Expires) {
					delete(model, k)
				}
			}
		}
		want := slices.Sorted(func(yield func(string) bool) {
			for k := range model {
				if !yield(k) {
					return
				}
			}
		})
		var got []string
		for _, o := range c.List() {
			got = append(got, o.Node)
			if o.Seq != model[o.Node].Seq {
				t.Fatalf("step %d: %s has seq %d, want %d", step, o.Node, o.Seq, model[o.Node].Seq)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("step %d: list %v, want %v", step, got, want)
		}
		c.View(func(offers []Offer) {
			if len(offers) != len(want) || c.Len() != len(want) {
				t.Fatalf("step %d: view %d, len %d, want %d", step, len(offers), c.Len(), len(want))
			}
		})
		for i := range 40 {
			n := fmt.Sprintf("n%02d", i)
			_, ok := c.Get(n)
			if _, in := model[n]; ok != in {
				t.Fatalf("step %d: Get(%s) = %v, want %v", step, n, ok, in)
			}
		}
	}
}
