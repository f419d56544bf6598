package offer

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
)

// FuzzDecodeOffer: a signed offer as a node takes it from the gossip topic
// or /deco/announce/1 (Decode, then Verify). Nothing panics; nothing over
// MaxSize, with unknown fields or with trailing data is accepted; an offer
// that verifies was signed by its node's key, and one claiming the signing
// node with other figures does not verify.
func FuzzDecodeOffer(f *testing.F) {
	k, err := identity.Generate(nil)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	good := Offer{Seq: 1, Free: job.Resources{CPU: 2000, Memory: 4 << 30}, Executors: []string{"docker"},
		Prices: Prices{CPUHour: money.Unit / 10}, Labels: map[string]string{"tier": "gold"},
		IssuedAt: now.Add(-time.Minute), Expires: now.Add(time.Minute)}
	if err := good.Sign(k); err != nil {
		f.Fatal(err)
	}
	b, err := json.Marshal(good)
	if err != nil {
		f.Fatal(err)
	}
	unsigned := good
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add(append(bytes.Clone(b), '{', '}'))
	f.Add(bytes.Replace(b, []byte(`"seq":1`), []byte(`"seq":2`), 1))
	f.Add(bytes.Replace(b, []byte(`{`), []byte(`{"bogus":1,`), 1))
	f.Add([]byte(`{"node":"x","labels":{` + strings.Repeat(`"a":"b",`, 70) + `"c":"d"}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"region":"` + strings.Repeat("a", MaxSize) + `"}`)) // one field past the cap
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := Decode(data)
		if err != nil {
			return
		}
		if len(data) > MaxSize {
			t.Fatalf("decoded a %d-byte offer, limit %d", len(data), MaxSize)
		}
		var top map[string]json.RawMessage
		if json.Unmarshal(data, &top) == nil {
			for key := range top {
				if !knownOfferField(key) {
					t.Fatalf("decoded unknown field %q", key)
				}
			}
		}
		if err := o.Verify(now); err != nil {
			return
		}
		h, err := o.hash()
		if err != nil {
			t.Fatal(err)
		}
		pub, err := identity.Recover(h, o.Signature)
		if err != nil || pub.PeerID() != o.Node || pub.Address() != o.Address {
			t.Fatal("verified an offer its node did not sign")
		}
		if o.Node == k.PeerID() {
			o.Signature, unsigned.Signature = nil, nil
			ob, _ := json.Marshal(o)
			if ub, _ := json.Marshal(unsigned); !bytes.Equal(ob, ub) {
				t.Fatalf("verified an offer of the signing node with figures it never signed:\n%s", ob)
			}
		}
	})
}

// knownOfferField reports whether key names a field of Offer as
// encoding/json matches it.
func knownOfferField(key string) bool {
	typ := reflect.TypeFor[Offer]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if strings.EqualFold(name, key) {
			return true
		}
	}
	return false
}
