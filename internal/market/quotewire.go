package market

import (
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
)

// ProtoQuote: a requester asks a provider for a signed quote for one task;
// the provider holds the capacity for the quote's life.
const ProtoQuote = "quote"

// QuoteRequest asks for a quote.
type QuoteRequest struct {
	JobID       string   `json:"jobId"`
	ExecutionID string   `json:"executionId"`
	TaskIndex   int      `json:"taskIndex"`
	Spec        job.Spec `json:"spec"`
	SpecDigest  string   `json:"specDigest"`
	// RequesterAddress is the requester's EVM address (the same key as
	// the stream's peer; the provider checks nothing else about it until
	// the requester countersigns the deal).
	RequesterAddress identity.Address `json:"requesterAddress"`
	// Decline releases a quote this requester will not take.
	Decline bool `json:"decline,omitempty"`
}

// QuoteReply answers a QuoteRequest: a quote, or why not.
type QuoteReply struct {
	Quote *Quote `json:"quote,omitempty"`
	Error string `json:"error,omitempty"`
}
