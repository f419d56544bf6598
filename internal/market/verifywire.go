package market

import (
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/verify"
)

// Protocols of result verification.
const (
	// ProtoReveal asks a runner of a verified task to reveal the result
	// digest it committed to (RevealRequest, RevealReply).
	ProtoReveal = "reveal"
	// ProtoVerdict asks a validator to sign a verdict against a runner
	// whose result disagreed with its own (VerdictRequest, VerdictReply).
	ProtoVerdict = "verdict"
)

// MaxVerifyMsg caps the messages of both protocols: a reveal request
// carries every runner's commitment.
const MaxVerifyMsg = 64 << 10

// RevealRequest asks for an execution's opening. Commitments are every
// runner's commitment for the job collected so far, the runner's own
// among them: a runner reveals only once the others have committed (or
// its reveal deadline has passed).
type RevealRequest struct {
	ExecutionID string              `json:"executionId"`
	Commitments []verify.Commitment `json:"commitments"`
}

// RevealReply is the runner's opening of its commitment and its signed
// receipt, or why it refuses.
type RevealReply struct {
	Opening *verify.Opening `json:"opening,omitempty"`
	Receipt *verify.Receipt `json:"receipt,omitempty"`
	Error   string          `json:"error,omitempty"`
}

// VerdictRequest asks a validator that ran ExecutionID, a run of the
// accused's job, to sign Verdict: the accused's commitment and opening
// show the digest it revealed, which the validator checks against its
// own.
type VerdictRequest struct {
	ExecutionID    string            `json:"executionId"`
	Verdict        settle.Verdict    `json:"verdict"`
	Accused        verify.Commitment `json:"accused"`
	AccusedOpening verify.Opening    `json:"accusedOpening"`
}

// VerdictReply is the validator's signature over the verdict, or why it
// refuses.
type VerdictReply struct {
	Signature []byte `json:"signature,omitempty"`
	Error     string `json:"error,omitempty"`
}
