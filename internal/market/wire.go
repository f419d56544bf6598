// Package market holds the messages requesters and providers exchange to
// place and run tasks, the protocol IDs they travel on, and task pricing.
// Quotes and deals will live here too.
package market

import (
	"encoding/json"
	"time"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/offer"
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
)

// OfferTopic is the gossip topic on which providers publish offers.
const OfferTopic = "/deco/offers/1"

// Size caps of messages, by protocol.
const (
	MaxOfferSize   = 64 << 10
	MaxTaskRequest = 16 << 20 // inline wasm modules travel in the request
	MaxTaskEvent   = 1 << 20
	MaxSmallMsg    = 4 << 10
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
}

// ResultRequest asks for an execution's outputs. The reply is a
// ResultHeader, then (when OK) exactly Size bytes of tar stream.
type ResultRequest struct {
	ExecutionID string `json:"executionId"`
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

// CancelReply answers CancelRequest.
type CancelReply struct {
	Error string `json:"error,omitempty"`
}

// Placement is the placement report kept with a job.
type Placement = json.RawMessage
