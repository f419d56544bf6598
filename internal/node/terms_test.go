package node

import (
	"testing"
	"time"

	"github.com/deco-network/deco/internal/offer"
)

// TestSameTerms: a refreshed offer (new Seq, times, signature) says the
// same; any other change, labels and allowed requesters included, does not.
func TestSameTerms(t *testing.T) {
	base := offer.Offer{Seq: 1, Region: "eu", Labels: map[string]string{"tier": "gold"},
		IssuedAt: time.Unix(100, 0), Expires: time.Unix(160, 0), Signature: []byte{1}}
	refreshed := base
	refreshed.Seq, refreshed.IssuedAt, refreshed.Expires, refreshed.Signature = 2, time.Unix(120, 0), time.Unix(180, 0), []byte{2}
	if !sameTerms(base, refreshed) {
		t.Error("a refreshed offer counts as new terms")
	}
	relabelled := refreshed
	relabelled.Labels = map[string]string{"tier": "silver"}
	restricted := refreshed
	restricted.AllowedRequesters = []string{"someone"}
	pooled := refreshed
	pooled.Pool = "farm"
	for name, o := range map[string]offer.Offer{"labels": relabelled, "allowed requesters": restricted, "pool": pooled} {
		if sameTerms(base, o) {
			t.Errorf("a change of %s counts as the same terms", name)
		}
	}
}
