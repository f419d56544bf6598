package operator

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
)

// Record is the machine-hour record of one execution (one replica of one
// task), as a node keeps it from the signed usage reports and the
// vouchers that answered them.
type Record struct {
	JobID       string           `json:"jobId"`
	ExecutionID string           `json:"executionId"`
	Requester   identity.Address `json:"requester"`
	Provider    identity.Address `json:"provider"`
	// Spec is the resource spec the task ran on, or its resources written
	// as "<cores>cpu-<memory>[-<n>gpu]" for a task that named none.
	Spec string `json:"spec"`
	// Start and End bound the metered run: End is the last report's time,
	// Start that time less the run time it reported.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// RunMillis is the metered run time the provider signed.
	RunMillis uint64 `json:"runMillis"`
	// Due is the last report's amount due; Paid what the vouchers that
	// answered the reports promised (Due less any report left unpaid).
	Due  money.Amount `json:"due"`
	Paid money.Amount `json:"paid"`
}

// Hours is the record's machine hours: the spec times (end − start), by
// the metered run time.
func (r Record) Hours() float64 { return float64(r.RunMillis) / float64(time.Hour/time.Millisecond) }

// Grouping keys of a statement.
const (
	ByJob       = "job"
	ByDay       = "day"
	BySpec      = "spec"
	ByRequester = "requester"
	ByProvider  = "provider"
)

// Groupings lists the keys Statement takes.
var Groupings = []string{ByJob, ByDay, BySpec, ByRequester, ByProvider}

// Line is one line of a statement: the records of one key.
type Line struct {
	Key string `json:"key"`
	// Executions counts the replicas (executions) summed.
	Executions int `json:"executions"`
	// MachineHours is the sum over them of spec × (end − start).
	MachineHours float64      `json:"machineHours"`
	Due          money.Amount `json:"due"`
	Paid         money.Amount `json:"paid"`
}

// Statement sums records by key (ByJob, ByDay in UTC, BySpec,
// ByRequester, ByProvider), lines in key order, and the total.
func Statement(records []Record, by string) ([]Line, Line, error) {
	var key func(*Record) string
	switch by {
	case ByJob:
		key = func(r *Record) string { return r.JobID }
	case ByDay:
		key = func(r *Record) string { return r.End.UTC().Format(time.DateOnly) }
	case BySpec:
		key = func(r *Record) string { return r.Spec }
	case ByRequester:
		key = func(r *Record) string { return r.Requester.String() }
	case ByProvider:
		key = func(r *Record) string { return r.Provider.String() }
	default:
		return nil, Line{}, fmt.Errorf("group by %q: want one of %s", by, strings.Join(Groupings, ", "))
	}
	idx := map[string]int{}
	var lines []Line
	// Machine hours are summed in milliseconds, exactly, and divided once.
	var ms []uint64
	var totalMS uint64
	total := Line{Key: "total"}
	for i := range records {
		r := &records[i]
		k := key(r)
		j, ok := idx[k]
		if !ok {
			j = len(lines)
			idx[k] = j
			lines = append(lines, Line{Key: k})
			ms = append(ms, 0)
		}
		l := &lines[j]
		l.Executions++
		l.Due += r.Due
		l.Paid += r.Paid
		ms[j] += r.RunMillis
		total.Executions++
		total.Due += r.Due
		total.Paid += r.Paid
		totalMS += r.RunMillis
	}
	hour := float64(time.Hour / time.Millisecond)
	for j := range lines {
		lines[j].MachineHours = float64(ms[j]) / hour
	}
	total.MachineHours = float64(totalMS) / hour
	slices.SortFunc(lines, func(a, b Line) int { return strings.Compare(a.Key, b.Key) })
	return lines, total, nil
}

const billingRequestType = "OperatorBillingRequest(address operator,uint64 from,uint64 to,string by,uint64 expires)"

// BillingRequest is an operator's signed request to its nodes for their
// statements as providers: only the nodes it certified answer it.
type BillingRequest struct {
	Operator identity.Address `json:"operator"`
	From     time.Time        `json:"from"`
	To       time.Time        `json:"to"`
	By       string           `json:"by"`
	// Expires bounds its use (a minute from signing).
	Expires   time.Time `json:"expires"`
	Signature []byte    `json:"signature"`
}

func (r BillingRequest) hash() []byte {
	sh := identity.StructHash(billingRequestType, identity.AddressWord(r.Operator), identity.Uint64(uint64(r.From.UnixNano())),
		identity.Uint64(uint64(r.To.UnixNano())), identity.StringWord(r.By), identity.Uint64(uint64(r.Expires.Unix())))
	return identity.TypedHash(Domain.Separator(), sh)
}

// SignBillingRequest signs a request for [from, to) grouped by by, valid
// for a minute from now.
func SignBillingRequest(key *identity.Key, from, to time.Time, by string, now time.Time) (BillingRequest, error) {
	if !slices.Contains(Groupings, by) {
		return BillingRequest{}, fmt.Errorf("group by %q: want one of %s", by, strings.Join(Groupings, ", "))
	}
	r := BillingRequest{Operator: key.Address(), From: from.UTC(), To: to.UTC(), By: by, Expires: now.Add(time.Minute).UTC().Truncate(time.Second)}
	var err error
	r.Signature, err = key.SignHash(r.hash())
	return r, err
}

// Verify checks the signature, the grouping, the window and the expiry.
func (r BillingRequest) Verify(now time.Time) error {
	if !slices.Contains(Groupings, r.By) || !r.From.Before(r.To) {
		return fmt.Errorf("%w: billing request for %s by %q", ErrMalformed, r.To.Sub(r.From), r.By)
	}
	if !now.Before(r.Expires) {
		return fmt.Errorf("%w: billing request expired at %s", ErrExpired, r.Expires.Format(time.RFC3339))
	}
	got, err := identity.RecoverAddress(r.hash(), r.Signature)
	if err != nil || got != r.Operator {
		return ErrForged
	}
	return nil
}

// Merge sums statements' lines by key (several nodes' statements into the
// operator's), lines in key order, and their total.
func Merge(statements ...[]Line) ([]Line, Line) {
	idx := map[string]int{}
	var out []Line
	total := Line{Key: "total"}
	for _, lines := range statements {
		for _, l := range lines {
			j, ok := idx[l.Key]
			if !ok {
				j = len(out)
				idx[l.Key] = j
				out = append(out, Line{Key: l.Key})
			}
			o := &out[j]
			o.Executions += l.Executions
			o.MachineHours += l.MachineHours
			o.Due += l.Due
			o.Paid += l.Paid
			total.Executions += l.Executions
			total.MachineHours += l.MachineHours
			total.Due += l.Due
			total.Paid += l.Paid
		}
	}
	slices.SortFunc(out, func(a, b Line) int { return strings.Compare(a.Key, b.Key) })
	return out, total
}
