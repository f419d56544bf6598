package api

import (
	"encoding/json"
	"time"

	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/provider"
	"github.com/deco-network/deco/internal/store"
)

// Identity answers GET /v1/id.
type Identity struct {
	PeerID  string   `json:"peerId"`
	Address string   `json:"address"`
	Addrs   []string `json:"addrs"`
	Version string   `json:"version"`
	// ThrowawayKey: the node runs on a dev network's throwaway key (its
	// passphrase is stored beside it); never send it real funds.
	ThrowawayKey bool `json:"throwawayKey,omitempty"`
}

// Peer is one entry of GET /v1/peers.
type Peer struct {
	ID        string        `json:"id"`
	Addrs     []string      `json:"addrs"`
	Connected bool          `json:"connected"`
	Latency   time.Duration `json:"latencyNs,omitempty"`
	HasOffer  bool          `json:"hasOffer"`
}

// JobDetail answers GET /v1/jobs/{id}: the job with its history and, for
// a multi-task job, each task's.
type JobDetail struct {
	TaskDetail
	// Tasks are a multi-task job's tasks in task order, each with its own
	// provider, executions, usage and vouchers (none until it is placed).
	Tasks []TaskDetail `json:"tasks,omitempty"`
	// Validators are a verified job's validator runs, each with its own
	// provider, execution, usage and vouchers; a multi-task job's are
	// every task's, each row's taskIndex naming the task it re-ran.
	Validators []TaskDetail `json:"validators,omitempty"`
}

// TaskDetail is a job, or one task of a multi-task job, with its history.
type TaskDetail struct {
	store.Job
	Events []store.Event `json:"events"`
	// Attempts are the job's executions, failed ones included.
	Attempts []store.Attempt `json:"attempts,omitempty"`
	// Usage and Vouchers are the current execution's usage reports and the
	// vouchers that paid them (pay as you go).
	Usage    []store.Usage   `json:"usage,omitempty"`
	Vouchers []store.Voucher `json:"vouchers,omitempty"`
	// EarlierUsage and EarlierVouchers are the usage reports and vouchers
	// of the job's other executions (attempts lost or retried), so that
	// what each one was paid can be checked after the fact.
	EarlierUsage    []store.Usage   `json:"earlierUsage,omitempty"`
	EarlierVouchers []store.Voucher `json:"earlierVouchers,omitempty"`
	// TimeLock are a time-locked task's intervals, its executions' in
	// order: each one's attestation, verdict and payment withheld.
	TimeLock []store.TimeLock `json:"timeLock,omitempty"`
	// Verification is the record of a verified job's (or this task's)
	// verification: the seed, each runner's commitment, reveal and
	// receipt, the outcome, verdicts and cost (see
	// requester.Verification).
	Verification json.RawMessage `json:"verification,omitempty"`
}

// OnboardingView answers GET /v1/onboarding: what the machine has and
// what is for sale (Current is nil when nothing is).
type OnboardingView struct {
	Machine  inventory.Machine    `json:"machine"`
	Warnings []string             `json:"warnings,omitempty"`
	Default  inventory.Share      `json:"defaultShare"`
	Current  *provider.Onboarding `json:"current,omitempty"`
}

// Error is the body of every error response.
type Error struct {
	Error string `json:"error"`
	// Fields lists spec problems field by field (400 on job submission).
	Fields []FieldProblem `json:"fields,omitempty"`
	// Placement is the placement report when no provider fits (422).
	Placement any `json:"placement,omitempty"`
}

// FieldProblem is one invalid field.
type FieldProblem struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}
