package verify

import (
	"slices"

	"github.com/deco-network/deco/internal/identity"
)

// Run is one runner's part in verifying a task, as its requester saw it.
type Run struct {
	// Node is the runner's peer ID and Address its chain address.
	Node    string
	Address identity.Address
	// Validator is false for the provider the task was placed on.
	Validator bool
	// Digest is the result digest the runner revealed, opening its
	// commitment; empty when it committed or revealed nothing valid (it
	// then counts for nothing: Invalid says why).
	Digest  string
	Invalid string
}

// Outcome is what the revealed digests decide.
type Outcome struct {
	// Digest is the result accepted (empty while undecided).
	Digest string
	// Disputed is true when the valid runs disagreed.
	Disputed bool
	// Quorum are the indexes of the validators whose digest decided a
	// dispute: the ones who sign the verdicts.
	Quorum []int
	// Losers are the indexes of the runs whose digest differs from the
	// decided one: each is slashed.
	Losers []int
	// More is how many more validators must run before a decision (0:
	// decided).
	More int
}

// Decide compares the valid runs. When they all agree and at least
// wanted validators are among them, the digest is accepted; with fewer
// (a validator failed or revealed nothing valid), More says how many
// more must run.
// When they disagree, the digest that quorum validators revealed wins;
// until one has, More says how many more validators to run. The provider
// never counts towards a quorum: it is a party to the dispute.
func Decide(runs []Run, quorum, wanted int) Outcome {
	quorum = max(quorum, 1)
	validators := map[string][]int{} // digest -> validators revealing it
	var digests []string
	valid := 0
	for i, r := range runs {
		if r.Digest == "" {
			continue
		}
		if !slices.Contains(digests, r.Digest) {
			digests = append(digests, r.Digest)
		}
		if r.Validator {
			validators[r.Digest] = append(validators[r.Digest], i)
			valid++
		}
	}
	switch {
	case len(digests) == 0:
		return Outcome{More: max(wanted, 1)}
	case len(digests) == 1:
		if valid < wanted {
			return Outcome{More: wanted - valid}
		}
		return Outcome{Digest: digests[0]}
	}
	out := Outcome{Disputed: true}
	best := 0
	for _, d := range digests {
		vs := validators[d]
		if len(vs) >= quorum && len(vs) > len(out.Quorum) {
			out.Digest, out.Quorum = d, vs
		}
		best = max(best, len(vs))
	}
	if out.Digest == "" {
		out.More = quorum - best
		return out
	}
	for i, r := range runs {
		if r.Digest != "" && r.Digest != out.Digest {
			out.Losers = append(out.Losers, i)
		}
	}
	return out
}
