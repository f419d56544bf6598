package verify

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
)

// Seed is what chooses a task's validators and spot checks: the hash of
// the task's deal's two signatures, a block hash newer than the
// provider's signature, and the task's index in its job. The provider
// signed its quote before the block existed and cannot change the
// requester's signature, so it cannot predict or steer the choice; the
// requester, who signs last, cannot pick a block that does not exist yet
// either. The index makes each task of a multi-task job a draw of its
// own even where two tasks' deals were signed alike.
func Seed(providerSig, requesterSig []byte, block [32]byte, task int) [32]byte {
	var s [32]byte
	copy(s[:], identity.Keccak256(providerSig, requesterSig, block[:], identity.Uint64(uint64(max(task, 0)))))
	return s
}

// TaskID is the name a task's verification goes by: its job's ID for a
// single-task job, "JOB/task-I" for task I of a multi-task job.
// Commitments, receipts, dispute IDs and attestations name it, so that
// the runners of one task never count for, reveal to, or accuse the
// runners of another task of the same job (whose results differ).
func TaskID(jobID string, task, tasks int) string {
	if tasks <= 1 {
		return jobID
	}
	return fmt.Sprintf("%s/task-%d", jobID, task)
}

// Rank orders nodes by keccak256(seed, node): the order validators are
// asked in. It does not change nodes.
func Rank(seed [32]byte, nodes []string) []string {
	type ranked struct {
		node string
		key  []byte
	}
	rs := make([]ranked, len(nodes))
	for i, n := range nodes {
		rs[i] = ranked{n, identity.Keccak256(seed[:], []byte(n))}
	}
	slices.SortFunc(rs, func(a, b ranked) int { return bytes.Compare(a.key, b.key) })
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.node
	}
	return out
}

// Sampled reports whether a spot check with probability p runs for seed:
// the seed's first 8 bytes read as a fraction of 2^64 fall below p. p 0
// never samples and p 1 always does.
func Sampled(seed [32]byte, p float64) bool {
	switch {
	case p <= 0:
		return false
	case p >= 1:
		return true
	}
	x := float64(binary.BigEndian.Uint64(seed[:8])) / math.Exp2(64)
	return x < p
}

// DisputeID names the dispute over runner's result for job: one per job
// and runner, so that a verdict for it is executed once.
func DisputeID(jobID string, runner identity.Address) [32]byte {
	var id [32]byte
	copy(id[:], identity.Keccak256([]byte("deco-dispute"), identity.StringWord(jobID), identity.AddressWord(runner)))
	return id
}

// SlashAmount is what a verdict against a runner takes from its stake:
// enough that cheating has a negative expected value. A runner that skips
// the work saves at most the deal's maxAmount; it is caught with
// probability p (1 under replicate), so it must lose more than
// maxAmount·(1-p)/p when caught; SlashAmount takes twice that, at least
// maxAmount and at least minimum, and never more than the stake.
func SlashAmount(maxAmount money.Amount, p float64, minimum, stake money.Amount) money.Amount {
	amount := max(maxAmount, minimum)
	if p > 0 && p < 1 {
		// 2·maxAmount·(1-p)/p, in integers: p is kept to 1e-6.
		ppm := int64(math.Round(p * 1e6))
		if ppm > 0 {
			amount = max(amount, maxAmount.MulRatio(2*(1_000_000-ppm), ppm))
		}
	}
	return min(amount, stake)
}
