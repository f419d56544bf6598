// Package verify checks a task's result by re-running it: the signed
// commitments each runner makes to its result digest before any runner
// reveals one, the receipts of executions, the unpredictable choice of
// validators and of spot checks, the outcome of comparing the revealed
// digests (accepted, or a dispute that a quorum of validators decides),
// and the amount a verdict slashes. It holds no state and does no I/O:
// the requester and the provider drive it (see docs/verification.md).
package verify

import (
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/deco-network/deco/internal/identity"
)

// Domain is the EIP-712 domain of commitments and receipts (off chain).
var Domain = identity.Domain{Name: "deco", Version: "1"}

// Errors of checking a commitment, an opening or a receipt.
var (
	ErrBadCommitment = errors.New("bad commitment")
	ErrBadOpening    = errors.New("reveal does not open the commitment")
	ErrBadReceipt    = errors.New("bad receipt")
)

const commitmentType = "Commitment(string jobId,string executionId,address runner,bytes32 hash)"

// Commitment is a runner's signed promise of its result digest, hiding
// the digest until the runner reveals it. Its hash binds the runner's
// address and the job: a commitment copied from another runner opens
// only to that runner, so copying one gains nothing.
type Commitment struct {
	JobID       string           `json:"jobId"`
	ExecutionID string           `json:"executionId"`
	Runner      identity.Address `json:"runner"`
	Hash        [32]byte         `json:"hash"`
	Signature   []byte           `json:"signature"`
}

// Opening is what a runner reveals: its result digest and the salt that
// hid it.
type Opening struct {
	Digest string   `json:"digest"`
	Salt   [32]byte `json:"salt"`
}

// commitHash is keccak256(jobId, runner, digest, salt).
func commitHash(jobID string, runner identity.Address, o Opening) [32]byte {
	var h [32]byte
	copy(h[:], identity.Keccak256(identity.StringWord(jobID), identity.AddressWord(runner), identity.StringWord(o.Digest), o.Salt[:]))
	return h
}

// Commit makes key's commitment to digest for one execution, with a fresh
// random salt, and the opening to reveal later.
func Commit(key *identity.Key, jobID, executionID, digest string) (Commitment, Opening, error) {
	o := Opening{Digest: digest}
	if _, err := rand.Read(o.Salt[:]); err != nil {
		return Commitment{}, Opening{}, err
	}
	c := Commitment{JobID: jobID, ExecutionID: executionID, Runner: key.Address(), Hash: commitHash(jobID, key.Address(), o)}
	var err error
	c.Signature, err = key.SignHash(c.digest())
	return c, o, err
}

func (c Commitment) digest() []byte {
	sh := identity.StructHash(commitmentType, identity.StringWord(c.JobID), identity.StringWord(c.ExecutionID),
		identity.AddressWord(c.Runner), c.Hash[:])
	return identity.TypedHash(Domain.Separator(), sh)
}

// Check verifies that the runner signed c.
func (c Commitment) Check() error {
	signer, err := identity.RecoverAddress(c.digest(), c.Signature)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadCommitment, err)
	}
	if signer != c.Runner {
		return fmt.Errorf("%w: signed by %s, not its runner %s", ErrBadCommitment, signer, c.Runner)
	}
	return nil
}

// Opens checks that o is what c committed to.
func (c Commitment) Opens(o Opening) error {
	if commitHash(c.JobID, c.Runner, o) != c.Hash {
		return fmt.Errorf("%w: %s's commitment for execution %s", ErrBadOpening, c.Runner, c.ExecutionID)
	}
	return nil
}
