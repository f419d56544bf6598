package reputation

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/verify"
)

// FuzzDecodeAttestation: an attestation as a node takes it from the gossip
// topic (Decode, then Verify, then the book). Nothing panics; nothing over
// MaxSize, with unknown fields or with trailing data decodes; one that
// verifies was signed by its attester, is not about its attester, and one
// claiming the signing key with other contents does not verify.
func FuzzDecodeAttestation(f *testing.F) {
	k, subject := newKey(f), newKey(f)
	good, err := Sign(Claim{Kind: KindDisputeLost, Subject: subject.PeerID(), JobID: "job1", ExecutionID: "exec1",
		DisputeID: verify.DisputeID("job1", subject.Address())}, k, t0)
	if err != nil {
		f.Fatal(err)
	}
	b, err := good.Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add(append(bytes.Clone(b), '{', '}'))
	f.Add(bytes.Replace(b, []byte(`"dispute-lost"`), []byte(`"lost"`), 1))
	f.Add(bytes.Replace(b, []byte(`{`), []byte(`{"bogus":1,`), 1))
	f.Add(bytes.Replace(b, []byte(`"job1"`), []byte(`"job2"`), 1))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"kind":"verified","subject":"` + strings.Repeat("1", MaxSize) + `"}`))
	book, err := New(f.Context(), Config{Key: newKey(f), Clock: func() time.Time { return t0 }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = book.Check(data)
		_ = book.Receive(data)
		book.Reputation(subject.PeerID())
		a, err := Decode(data)
		if err != nil {
			return
		}
		if len(data) > MaxSize {
			t.Fatalf("decoded a %d-byte attestation, limit %d", len(data), MaxSize)
		}
		var top map[string]json.RawMessage
		if json.Unmarshal(data, &top) == nil {
			for key := range top {
				if !knownField(key) {
					t.Fatalf("decoded unknown field %q", key)
				}
			}
		}
		if err := a.Verify(t0); err != nil {
			return
		}
		if a.Subject == a.Attester {
			t.Fatal("verified an attestation about its own attester")
		}
		if a.Attester == k.PeerID() {
			x, y := a, good
			x.Signature, y.Signature = nil, nil
			x.IssuedAt = x.IssuedAt.UTC() // the same second in another zone signs the same
			xb, _ := json.Marshal(x)
			if yb, _ := json.Marshal(y); !bytes.Equal(xb, yb) {
				t.Fatalf("verified an attestation of the signing key with contents it never signed:\n%s", xb)
			}
		}
	})
}

// knownField reports whether key names a JSON field of Attestation as
// encoding/json matches it.
func knownField(key string) bool {
	for _, name := range []string{"kind", "subject", "jobId", "executionId", "disputeId", "attester", "attesterAddress", "issuedAt", "signature"} {
		if strings.EqualFold(name, key) {
			return true
		}
	}
	return false
}
