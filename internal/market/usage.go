package market

import (
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/settle"
)

// Pay as you go: while a task runs, its provider sends signed usage reports
// (EventUsage) every interval and once at exit; the requester checks each
// against the deal and answers on the same stream with a Payment carrying
// a voucher for the channel's new cumulative total.

// EventUsage carries a provider-signed UsageReport.
const EventUsage EventType = "usage"

// DefaultUsageInterval is how often a provider reports usage.
const DefaultUsageInterval = 10 * time.Second

// Errors from usage report checks.
var (
	ErrUsageSignature = errors.New("usage report not signed by the deal's provider")
	ErrUsageSeq       = errors.New("usage report out of sequence")
	ErrUsageAmount    = errors.New("usage report amount does not follow the deal's terms")
	ErrUsageRunTime   = errors.New("usage report claims more run time than has passed")
	ErrUsageUse       = errors.New("usage report's measured use is impossible")
)

const usageType = "UsageReport(string execution,uint64 seq,uint64 runMillis,uint256 amountDue," +
	"uint64 cpuMillis,uint64 memoryPeak,uint64 gpuMillis,uint64 gpuMemoryPeak)"

// Use is an execution's measured use as a usage report states it: every
// field is cumulative since the sandbox started, so it never falls from
// one report to the next. Zero means not measured (an executor that
// cannot tell, a task without GPUs). Use is signed with the report but
// does not change the amount due, which follows run time alone.
type Use struct {
	// CPUMillis is the CPU time of the execution's processes (its
	// cgroup's), in milliseconds.
	CPUMillis uint64 `json:"cpuMillis,omitempty"`
	// MemoryPeak is the most memory charged to the execution, in bytes.
	MemoryPeak uint64 `json:"memoryPeak,omitempty"`
	// GPUMillis is GPU busy time summed over the execution's GPUs
	// (utilisation times time), in milliseconds.
	GPUMillis uint64 `json:"gpuMillis,omitempty"`
	// GPUMemoryPeak is the most GPU memory in use, summed over its GPUs,
	// in bytes.
	GPUMemoryPeak uint64 `json:"gpuMemoryPeak,omitempty"`
}

// UsageReport is a provider's signed statement of an execution's cumulative
// run time, its measured use, and the cumulative amount due for it under
// the deal.
type UsageReport struct {
	Execution string `json:"execution"`
	// Seq counts the execution's reports from 1.
	Seq uint64 `json:"seq"`
	// RunMillis is the cumulative run time since the sandbox started.
	RunMillis uint64 `json:"runMillis"`
	// AmountDue is AmountDue(terms, RunMillis).
	AmountDue money.Amount `json:"amountDue"`
	// Use is the execution's measured use so far.
	Use
	// Final is set on the report sent at exit (not signed: a later report
	// would simply replace it).
	Final bool `json:"final,omitempty"`
	// Signature is the provider's EIP-712 signature over Hash().
	Signature []byte `json:"signature"`
}

// Hash is the EIP-712 digest of the report (domain offer.Domain, deco's off-chain domain).
func (u UsageReport) Hash() []byte {
	sh := identity.StructHash(usageType, identity.StringWord(u.Execution), identity.Uint64(u.Seq),
		identity.Uint64(u.RunMillis), identity.Uint256(big.NewInt(int64(u.AmountDue))),
		identity.Uint64(u.CPUMillis), identity.Uint64(u.MemoryPeak), identity.Uint64(u.GPUMillis), identity.Uint64(u.GPUMemoryPeak))
	return identity.TypedHash(offer.Domain.Separator(), sh)
}

// Sign signs the report with the provider's key.
func (u *UsageReport) Sign(key *identity.Key) error {
	sig, err := key.SignHash(u.Hash())
	if err != nil {
		return fmt.Errorf("sign usage report: %w", err)
	}
	u.Signature = sig
	return nil
}

// AmountDue is what runMillis of run time costs under t: the fixed part
// plus the hourly price pro rata, at most t.MaxAmount.
func AmountDue(t Terms, runMillis uint64) money.Amount {
	ms := int64(min(runMillis, uint64(1<<62)))
	due := t.Fixed + t.PerHour.MulRatio(ms, int64(time.Hour/time.Millisecond))
	if due < t.Fixed { // saturated
		due = t.MaxAmount
	}
	return min(due, t.MaxAmount)
}

// NewUsageReport builds and signs report seq of an execution under deal d,
// with no measured use.
func NewUsageReport(key *identity.Key, d *Deal, seq uint64, run time.Duration, final bool) (UsageReport, error) {
	return NewMeteredReport(key, d, seq, run, Use{}, final)
}

// NewMeteredReport builds and signs report seq of an execution under deal
// d, stating its measured use.
func NewMeteredReport(key *identity.Key, d *Deal, seq uint64, run time.Duration, use Use, final bool) (UsageReport, error) {
	ms := uint64(max(run, 0) / time.Millisecond)
	u := UsageReport{Execution: d.Quote.ExecutionID, Seq: seq, RunMillis: ms, AmountDue: AmountDue(d.Quote.Terms, ms), Use: use, Final: final}
	return u, u.Sign(key)
}

// UsageCheck is what a requester knows when it checks a report.
type UsageCheck struct {
	// Deal is the execution's deal.
	Deal *Deal
	// LastSeq is the seq of the last report accepted (0: none).
	LastSeq uint64
	// Elapsed is the wall time since the requester saw the task accepted.
	Elapsed time.Duration
	// Slack is the run time a report may claim beyond Elapsed (one interval).
	Slack time.Duration
	// Last is the measured use of the last report accepted (zero: none):
	// a report's cumulative use may not fall below it.
	Last Use
	// Resources are the task's allotment (the spec's): a report may not
	// claim more CPU or GPU time than its run time on that many cores or
	// GPUs, nor more memory than its limit (checked where set).
	Resources job.Resources
}

// Allotment tolerances: CPU and GPU time are sampled and the run time is
// rounded, so a report may claim a tenth more than exact plus one slack
// of time on every core; memory may exceed its limit by a twentieth (the
// kernel counts a little beyond the limit while it reclaims).
const (
	useTimeTolerance   = 1.1
	useMemoryTolerance = 1.05
)

// CheckAllotment says how u's cumulative use exceeds what r allows in
// u's run time plus slack (nil when it does not, or r is zero: unknown).
func CheckAllotment(u UsageReport, r job.Resources, slack time.Duration) error {
	if r.CPU == 0 && r.Memory == 0 && r.GPUs == 0 {
		return nil // not known
	}
	run := float64(u.RunMillis) + float64(slack/time.Millisecond)
	if r.CPU > 0 {
		if most := run * float64(r.CPU) / 1000 * useTimeTolerance; float64(u.CPUMillis) > most {
			return fmt.Errorf("%w: %d ms of CPU time in %d ms of run time on %s cores", ErrUsageUse, u.CPUMillis, u.RunMillis, r.CPU)
		}
	}
	if r.Memory > 0 {
		if most := float64(r.Memory) * useMemoryTolerance; float64(u.MemoryPeak) > most {
			return fmt.Errorf("%w: a memory peak of %d bytes with a limit of %s", ErrUsageUse, u.MemoryPeak, r.Memory)
		}
	}
	if most := run * float64(r.GPUs) * useTimeTolerance; float64(u.GPUMillis) > most {
		return fmt.Errorf("%w: %d ms of GPU time in %d ms of run time on %d GPUs", ErrUsageUse, u.GPUMillis, u.RunMillis, r.GPUs)
	}
	return nil
}

// CheckUsage verifies a report against the deal: the deal's provider signed
// it, its seq follows the last one, its run time is not more than has
// passed (plus slack), and its amount is exactly the terms' amount for that
// run time (so never above MaxAmount), and its measured use does not fall
// below the last report's nor exceed the allotment (CheckAllotment).
func CheckUsage(u UsageReport, c UsageCheck) error {
	q := c.Deal.Quote
	if u.Execution != q.ExecutionID {
		return fmt.Errorf("%w: report for execution %s, deal for %s", ErrUsageSeq, u.Execution, q.ExecutionID)
	}
	addr, err := identity.RecoverAddress(u.Hash(), u.Signature)
	if err != nil || addr != q.ProviderAddress {
		return ErrUsageSignature
	}
	if u.Seq <= c.LastSeq {
		return fmt.Errorf("%w: seq %d after %d", ErrUsageSeq, u.Seq, c.LastSeq)
	}
	if limit := c.Elapsed + c.Slack; time.Duration(u.RunMillis)*time.Millisecond > limit {
		return fmt.Errorf("%w: %d ms claimed, at most %s possible", ErrUsageRunTime, u.RunMillis, limit.Round(time.Millisecond))
	}
	if want := AmountDue(q.Terms, u.RunMillis); u.AmountDue != want || u.AmountDue > q.Terms.MaxAmount {
		return fmt.Errorf("%w: %s claimed for %d ms, terms say %s", ErrUsageAmount, u.AmountDue, u.RunMillis, want)
	}
	if l := c.Last; u.CPUMillis < l.CPUMillis || u.MemoryPeak < l.MemoryPeak || u.GPUMillis < l.GPUMillis || u.GPUMemoryPeak < l.GPUMemoryPeak {
		return fmt.Errorf("%w: cumulative use %+v fell below the last report's %+v", ErrUsageUse, u.Use, l)
	}
	return CheckAllotment(u, c.Resources, c.Slack)
}

// Payment is what a requester writes on a task or attach stream after its
// TaskRequest or AttachRequest: a voucher for the channel's cumulative
// total, answering the report of Execution numbered Seq.
type Payment struct {
	Execution string               `json:"execution"`
	Seq       uint64               `json:"seq"`
	Voucher   settle.SignedVoucher `json:"voucher"`
}

// MaxPayment caps a Payment message.
const MaxPayment = 4 << 10
