// Package market holds the messages requesters and providers exchange to
// place and run tasks, the protocol IDs they travel on, and task pricing.
// Quotes and deals will live here too.
package market

import (
	"time"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/telemetry"
	"github.com/deco-network/deco/internal/verify"
)

// Protocol names (see p2p.ProtocolID): /deco/<name>/<major>.
const (
	// ProtoOffer: ask a node for its current signed offer.
	ProtoOffer = "offer"
	// ProtoTask: a long-lived stream that carries one task to a provider and
	// its events back.
	ProtoTask = "task"
	// ProtoResult: fetch the output tree of a finished execution.
	ProtoResult = "result"
	// ProtoCancel: ask a provider to stop an execution.
	ProtoCancel = "cancel"
	// ProtoAnnounce: a provider pushes a changed offer straight to the
	// peers it is connected to (gossip reaches the rest).
	ProtoAnnounce = "announce"
	// ProtoForward: a requester's connection to a port of its running
	// service task: a ForwardRequest, a ForwardReply, then the TCP
	// connection's bytes both ways.
	ProtoForward = "forward"
)

// OfferTopic is the gossip topic on which providers publish offers.
const OfferTopic = "/deco/offers/1"

// Size caps of messages, by protocol.
const (
	MaxOfferSize   = offer.MaxSize
	MaxTaskRequest = 16 << 20 // inline wasm modules travel in the request
	MaxTaskEvent   = 1 << 20
	MaxSmallMsg    = 4 << 10
	// MaxResultRequest fits a ResultRequest with its grant.
	MaxResultRequest = 16 << 10
	// MaxLogBytes is the default cap on one execution's logs: a provider
	// keeps and sends no more (ending them with a line saying so), and a
	// requester keeps no more of one attempt's logs, whatever it is sent.
	MaxLogBytes = 64 << 20
)

// OfferReply answers ProtoOffer; Offer is nil when the node sells nothing.
type OfferReply struct {
	Offer *offer.Offer `json:"offer,omitempty"`
}

// TaskRequest opens a ProtoTask stream.
type TaskRequest struct {
	JobID       string   `json:"jobId"`
	ExecutionID string   `json:"executionId"`
	TaskIndex   int      `json:"taskIndex"`
	Spec        job.Spec `json:"spec"`
	SpecDigest  string   `json:"specDigest"`
	// Deal is the quote for this task countersigned by the requester; the
	// provider runs only tasks it quoted.
	Deal *Deal `json:"deal,omitempty"`
	// Grants let the provider fetch the results named by the spec's result
	// inputs from the providers that hold them, one per result input.
	Grants []ResultGrant `json:"grants,omitempty"`
	// Members are, for a job whose tasks are linked, the provider (peer ID)
	// of every task in task order: the peers this task's job network
	// exchanges packets with.
	Members []string `json:"members,omitempty"`
	// Attempt is, for a task of a job with links, the attempt of its
	// whole gang it belongs to (1 when zero): each attempt of a linked job
	// is a job network of its own, never joined with an earlier one's.
	Attempt int `json:"attempt,omitempty"`
	// Checkpoint, for a task of a linked job whose gang restarted, names
	// the earlier execution whose checkpoint/ output directory the task
	// starts with in its /outputs/checkpoint.
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
}

// Checkpoint names the outputs of an earlier execution that hold a
// checkpoint/ directory: the provider that holds them, the digest of
// their whole tree, and the requester's grant to fetch them (its Input is
// CheckpointInput).
type Checkpoint struct {
	Provider string      `json:"provider"`
	Digest   string      `json:"digest"`
	Grant    ResultGrant `json:"grant"`
}

// CheckpointInput is the Input of a Checkpoint's grant.
const CheckpointInput = "checkpoint"

// ResultGrant is a requester's signed permission for one node (the
// grantee) to fetch the result of one of its executions over ProtoResult.
// The holder serves it when the signature recovers to the execution's
// requester and the grantee is the peer asking.
type ResultGrant struct {
	// Input names the result input the grant is for.
	Input string `json:"input"`
	// Execution is the execution whose result may be fetched.
	Execution string `json:"execution"`
	// Grantee is the peer ID allowed to fetch it.
	Grantee string `json:"grantee"`
	// Signature is the requester's signature over GrantHash.
	Signature []byte `json:"signature"`
	// Addrs are multiaddrs of the holder (a dialing hint; not signed).
	Addrs []string `json:"addrs,omitempty"`
}

// resultGrantType is the EIP-712 type of a ResultGrant.
const resultGrantType = "ResultGrant(string execution,string grantee)"

// GrantHash is the EIP-712 digest a ResultGrant's signature covers.
func GrantHash(execution, grantee string) []byte {
	return identity.TypedHash(offer.Domain.Separator(),
		identity.StructHash(resultGrantType, identity.StringWord(execution), identity.StringWord(grantee)))
}

// SignResultGrant signs a grant for grantee to fetch execution's result.
func SignResultGrant(k *identity.Key, input, execution, grantee string) (ResultGrant, error) {
	sig, err := k.SignHash(GrantHash(execution, grantee))
	if err != nil {
		return ResultGrant{}, err
	}
	return ResultGrant{Input: input, Execution: execution, Grantee: grantee, Signature: sig}, nil
}

// Signer returns the peer ID of the node that signed g.
func (g ResultGrant) Signer() (string, error) {
	pub, err := identity.Recover(GrantHash(g.Execution, g.Grantee), g.Signature)
	if err != nil {
		return "", err
	}
	return pub.PeerID(), nil
}

// EventType says what a TaskEvent carries.
type EventType string

// Task event types, in the order they normally arrive.
const (
	EventAccepted EventType = "accepted"
	EventRejected EventType = "rejected"
	EventState    EventType = "state"
	EventLog      EventType = "log"
	EventExited   EventType = "exited"
	// EventHeartbeat says the provider and the execution are alive.
	EventHeartbeat EventType = "heartbeat"
)

// TaskEvent is one message from the provider on a ProtoTask stream.
type TaskEvent struct {
	Type    EventType    `json:"type"`
	At      time.Time    `json:"at"`
	State   job.State    `json:"state,omitempty"`
	Message string       `json:"message,omitempty"`
	Log     []byte       `json:"log,omitempty"`
	Result  *exec.Result `json:"result,omitempty"`
	// ResultDigest is the digest of the output tree (on EventExited).
	ResultDigest string `json:"resultDigest,omitempty"`
	// ResultSize is the byte size of the packed output tree.
	ResultSize int64 `json:"resultSize,omitempty"`
	// Offer, on EventExited, is the provider's offer after the execution
	// freed its capacity, so the requester's next placement does not see
	// the provider as still busy.
	Offer *offer.Offer `json:"offer,omitempty"`
	// Usage is the provider's signed usage report (on EventUsage).
	Usage *UsageReport `json:"usage,omitempty"`
	// TimeLock, on EventUsage of a time-locked task (job.Spec.TimeLocked),
	// is the provider's signed attestation of the interval the report
	// closes (its Index is the report's Seq).
	TimeLock *telemetry.Attestation `json:"timeLock,omitempty"`
	// Reason, on EventExited, says in a word why the provider itself
	// stopped the execution (ReasonUnpaid); empty otherwise.
	Reason string `json:"reason,omitempty"`
	// Commitment, on EventExited of a verified task, replaces
	// ResultDigest: the runner's commitment to it, revealed on
	// ProtoReveal once every runner has committed.
	Commitment *verify.Commitment `json:"commitment,omitempty"`
}

// ReasonUnpaid is the Reason of an execution its provider stopped because
// the requester's vouchers fell more than one interval behind.
const ReasonUnpaid = "unpaid"

// ResultRequest asks for an execution's outputs. The reply is a
// ResultHeader, then (when OK) exactly Size bytes of tar stream.
type ResultRequest struct {
	ExecutionID string `json:"executionId"`
	// Grant, when the asking peer is not the execution's requester, is the
	// requester's permission for it.
	Grant *ResultGrant `json:"grant,omitempty"`
}

// ResultHeader precedes the tar stream on ProtoResult.
type ResultHeader struct {
	Digest string `json:"digest,omitempty"`
	Size   int64  `json:"size,omitempty"`
	Error  string `json:"error,omitempty"`
}

// CancelRequest asks a provider to stop an execution.
type CancelRequest struct {
	ExecutionID string `json:"executionId"`
}

// ForwardRequest opens a ProtoForward stream to Port of a running
// service execution.
type ForwardRequest struct {
	ExecutionID string `json:"executionId"`
	Port        int    `json:"port"`
}

// ForwardReply answers ForwardRequest; an empty Error means the stream now
// carries the connection.
type ForwardReply struct {
	Error string `json:"error,omitempty"`
}

// CancelReply answers CancelRequest.
type CancelReply struct {
	Error string `json:"error,omitempty"`
}

// ProtoAttach: a requester that lost its task stream (a network cut, or its
// own restart) reattaches to an execution and catches up from LogOffset.
const ProtoAttach = "attach"

// AttachRequest opens a ProtoAttach stream; the reply is the same stream of
// TaskEvents as on ProtoTask: the current state, the logs from LogOffset,
// then live events until EventExited.
type AttachRequest struct {
	ExecutionID string `json:"executionId"`
	LogOffset   int64  `json:"logOffset"`
}
