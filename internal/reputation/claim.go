package reputation

// Kind is what an attestation states about its subject.
type Kind string

// Kinds of attestation.
const (
	// KindVerified: the subject's execution completed and its result was
	// verified (it agreed with the other runners, or with the quorum).
	KindVerified Kind = "verified"
	// KindDisputeLost: a verdict went against the subject; Claim.DisputeID
	// names it, and the escrow shows whether it was executed.
	KindDisputeLost Kind = "dispute-lost"
	// KindLost: the subject stopped answering during an execution.
	KindLost Kind = "lost"
	// KindTimeLockBroken: the subject's proof of time-lock failed for an
	// interval of an execution (a foreign process on a rented GPU, or an
	// interval no valid attestation covered), whose payment was withheld.
	KindTimeLockBroken Kind = "timelock-broken"
)

// Claim is what a node attests about a provider it dealt with: the
// attester and signature are added when it is attested.
type Claim struct {
	Kind Kind `json:"kind"`
	// Subject is the provider's peer ID.
	Subject string `json:"subject"`
	// JobID and ExecutionID name the execution the claim is about.
	JobID       string `json:"jobId"`
	ExecutionID string `json:"executionId"`
	// DisputeID is the verdict's dispute (KindDisputeLost only).
	DisputeID [32]byte `json:"disputeId,omitzero"`
}
