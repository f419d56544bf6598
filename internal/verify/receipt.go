package verify

import (
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
)

const receiptType = "Receipt(string jobId,string executionId,address provider,int64 exitCode,string resultDigest,bytes32 commitment,uint64 runTimeMs,uint256 paid,uint64 issuedAt)"

// Receipt is a provider's final signed record of one execution: how it
// exited, its result digest, the commitment it made, its run time and the
// latest voucher total it was paid. Both sides keep it.
type Receipt struct {
	JobID        string           `json:"jobId"`
	ExecutionID  string           `json:"executionId"`
	Provider     identity.Address `json:"provider"`
	ExitCode     int              `json:"exitCode"`
	ResultDigest string           `json:"resultDigest"`
	Commitment   [32]byte         `json:"commitment"`
	RunTime      time.Duration    `json:"runTime"`
	Paid         money.Amount     `json:"paid"`
	IssuedAt     time.Time        `json:"issuedAt"`
	Signature    []byte           `json:"signature"`
}

func (r Receipt) digest() []byte {
	exit := uint64(int64(r.ExitCode)) // two's complement, as int64 in the ABI
	paid := uint64(max(r.Paid, 0))
	sh := identity.StructHash(receiptType, identity.StringWord(r.JobID), identity.StringWord(r.ExecutionID),
		identity.AddressWord(r.Provider), identity.Uint64(exit), identity.StringWord(r.ResultDigest), r.Commitment[:],
		identity.Uint64(uint64(r.RunTime.Milliseconds())), identity.Uint64(paid), identity.Uint64(uint64(r.IssuedAt.Unix())))
	return identity.TypedHash(Domain.Separator(), sh)
}

// Sign fills Provider and Signature from key.
func (r *Receipt) Sign(key *identity.Key) error {
	r.Provider = key.Address()
	var err error
	r.Signature, err = key.SignHash(r.digest())
	return err
}

// Check verifies that r's provider signed it.
func (r Receipt) Check() error {
	signer, err := identity.RecoverAddress(r.digest(), r.Signature)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadReceipt, err)
	}
	if signer != r.Provider {
		return fmt.Errorf("%w: signed by %s, not its provider %s", ErrBadReceipt, signer, r.Provider)
	}
	return nil
}
