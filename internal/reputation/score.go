package reputation

import (
	"cmp"
	"slices"

	"github.com/deco-network/deco/internal/money"
)

// Neutral is the reputation of a node nobody has attested about (the
// scheduler's sched.NeutralReputation).
const Neutral = 0.5

// Rule holds the figures of the score (see the package documentation).
// A zero field takes its default.
type Rule struct {
	// Prior is the weight of the neutral start on each side: the score is
	// (Prior + P) / (2·Prior + P + N). Default 2.
	Prior float64
	// FullStake is the stake at which an attester's word weighs 1.
	// Default 100 DECO.
	FullStake money.Amount
	// Floor is the weight of an attester staked below Floor·FullStake
	// (unstaked included). Default 0.1.
	Floor float64
	// FloorCap bounds what all floor-weight attesters together add to P,
	// and to N, for one subject. Default 1.
	FloorCap float64
	// PerAttester is how many executions of one subject one attester's
	// positive (and, apart, negative) attestations count for. Default 10.
	PerAttester int
}

// DefaultRule returns the default figures.
func DefaultRule() Rule {
	return Rule{Prior: 2, FullStake: 100 * money.Unit, Floor: 0.1, FloorCap: 1, PerAttester: 10}
}

func (r Rule) withDefaults() Rule {
	d := DefaultRule()
	if r.Prior <= 0 {
		r.Prior = d.Prior
	}
	if r.FullStake <= 0 {
		r.FullStake = d.FullStake
	}
	if r.Floor <= 0 || r.Floor > 1 {
		r.Floor = d.Floor
	}
	if r.FloorCap <= 0 {
		r.FloorCap = d.FloorCap
	}
	if r.PerAttester <= 0 {
		r.PerAttester = d.PerAttester
	}
	return r
}

// severity orders kinds: of one attester's attestations about one
// execution, the most severe counts.
func severity(k Kind) int {
	switch k {
	case KindDisputeLost:
		return 3
	case KindLost, KindTimeLockBroken:
		return 2
	default:
		return 1
	}
}

// weight is what an attester's word weighs and whether it is at the
// floor. The caller holds b.mu.
func (b *Book) weight(a *Attestation) (w float64, floor bool) {
	if a.Attester == b.self {
		return 1, false // this node's own experience
	}
	st, ok := b.stakes[a.AttesterAddress]
	if !ok {
		return b.rule.Floor, true
	}
	w = float64(st.amount) / float64(b.rule.FullStake)
	if w <= b.rule.Floor {
		return b.rule.Floor, true
	}
	return min(w, 1), false
}

// compute scores s from the attestations, stakes and disputes held. The
// caller holds b.mu (for writing: it reuses b.scratch).
func (b *Book) compute(s *subject) (score float64, slashed bool) {
	byPair := b.scratch[:0]
	for i := range s.atts {
		a := &s.atts[i]
		if a.Kind == KindDisputeLost {
			if d, ok := b.disputes[a.DisputeID]; ok && d.used {
				slashed = true
			}
		}
		byPair = append(byPair, a)
	}
	b.scratch = byPair[:0]
	if slashed {
		return 0, true
	}
	// Attester, then execution, the most severe first: the first of each
	// (attester, execution) is the one that counts.
	slices.SortFunc(byPair, func(x, y *Attestation) int {
		if c := cmp.Compare(x.Attester, y.Attester); c != 0 {
			return c
		}
		if c := cmp.Compare(x.ExecutionID, y.ExecutionID); c != 0 {
			return c
		}
		return severity(y.Kind) - severity(x.Kind)
	})
	var p, n, floorP, floorN float64
	for i := 0; i < len(byPair); {
		first := byPair[i]
		pos, neg := 0, 0
		for ; i < len(byPair) && byPair[i].Attester == first.Attester; i++ {
			a := byPair[i]
			if i > 0 && byPair[i-1].Attester == a.Attester && byPair[i-1].ExecutionID == a.ExecutionID {
				continue // a less severe one about the same execution
			}
			if a.Kind == KindVerified {
				pos++
			} else {
				neg++
			}
		}
		w, floor := b.weight(first)
		dp, dn := w*float64(min(pos, b.rule.PerAttester)), w*float64(min(neg, b.rule.PerAttester))
		if floor {
			floorP, floorN = floorP+dp, floorN+dn
		} else {
			p, n = p+dp, n+dn
		}
	}
	p += min(floorP, b.rule.FloorCap)
	n += min(floorN, b.rule.FloorCap)
	return (b.rule.Prior + p) / (2*b.rule.Prior + p + n), false
}
