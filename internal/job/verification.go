package job

import (
	"fmt"
	"strconv"
	"strings"
)

// Verification policy kinds (Verification.Kind).
const (
	// VerifyNone trusts the provider's result (the default).
	VerifyNone = "none"
	// VerifyReplicate has K validators re-run every task and compares the
	// result digests, committed then revealed.
	VerifyReplicate = "replicate"
	// VerifySpotcheck has one validator re-run a task with probability P,
	// drawn so that the provider cannot predict it.
	VerifySpotcheck = "spotcheck"
)

// MaxValidators caps replicate(k).
const MaxValidators = 8

// Verification is a job's verification policy as parsed from the spec's
// "verification" field: "none", "replicate(K)" or "spotcheck(P)"
// ("replicate:K" and "spotcheck:P" are accepted too).
type Verification struct {
	Kind string
	// K is how many validators re-run each task (replicate).
	K int
	// P is the probability that a validator re-runs a task (spotcheck).
	P float64
}

// ParseVerification parses a verification policy; "" is none.
func ParseVerification(s string) (Verification, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == VerifyNone {
		return Verification{Kind: VerifyNone}, nil
	}
	kind, arg, ok := strings.Cut(s, "(")
	if ok {
		var closed bool
		if arg, closed = strings.CutSuffix(arg, ")"); !closed {
			return Verification{}, fmt.Errorf("%q: missing ')'", s)
		}
	} else if kind, arg, ok = strings.Cut(s, ":"); !ok {
		kind = s
	}
	kind, arg = strings.TrimSpace(kind), strings.TrimSpace(arg)
	switch kind {
	case VerifyReplicate:
		if arg == "" {
			return Verification{}, fmt.Errorf("%q: say how many validators, e.g. replicate(2)", s)
		}
		k, err := strconv.Atoi(arg)
		if err != nil || k < 1 || k > MaxValidators {
			return Verification{}, fmt.Errorf("%q: replicate takes 1 to %d validators", s, MaxValidators)
		}
		return Verification{Kind: VerifyReplicate, K: k}, nil
	case VerifySpotcheck:
		if arg == "" {
			return Verification{}, fmt.Errorf("%q: say the probability, e.g. spotcheck(0.1)", s)
		}
		p, err := strconv.ParseFloat(arg, 64)
		if err != nil || !(p >= 0 && p <= 1) {
			return Verification{}, fmt.Errorf("%q: spotcheck takes a probability from 0 to 1", s)
		}
		return Verification{Kind: VerifySpotcheck, P: p}, nil
	}
	return Verification{}, fmt.Errorf("%q: want none, replicate(K) or spotcheck(P)", s)
}

// String is the canonical form: "none", "replicate(2)", "spotcheck(0.1)".
func (v Verification) String() string {
	switch v.Kind {
	case VerifyReplicate:
		return fmt.Sprintf("replicate(%d)", v.K)
	case VerifySpotcheck:
		return "spotcheck(" + strconv.FormatFloat(v.P, 'g', -1, 64) + ")"
	}
	return VerifyNone
}

// Verified reports whether the policy may have validators re-run a task.
func (v Verification) Verified() bool { return v.Kind == VerifyReplicate || v.Kind == VerifySpotcheck }

// Verify is the spec's verification policy (none when unset or invalid:
// Validate reports an invalid one).
func (s Spec) Verify() Verification {
	v, err := ParseVerification(s.Verification)
	if err != nil {
		return Verification{Kind: VerifyNone}
	}
	return v
}

// validateVerification checks the policy and that the job can be
// verified by re-running its tasks: a wasm task (deterministic by
// construction) or a container declared deterministic, with no network,
// not a service. A multi-task job is verified task by task,
// so its tasks must not talk to each other (no network.links): one task
// re-run alone would not be the same computation.
func validateVerification(v *validator, s Spec) {
	pol, err := ParseVerification(s.Verification)
	if err != nil {
		v.add("verification", "%v", err)
		return
	}
	if s.Deterministic && !s.Network.IsZero() {
		v.add("deterministic", "a deterministic task has no network (network.outbound and network.links must be off)")
	}
	if !pol.Verified() {
		return
	}
	switch {
	case s.Executor == ExecutorDocker && !s.Deterministic:
		v.add("verification", "%s needs a task that gives the same result on every run: use the wasm executor, or declare the container deterministic: true (no network, fixed seeds)", pol)
	case s.IsService():
		v.add("verification", "a service job has no result to compare: verification must be none")
	case s.TaskCount() > 1 && s.Network.Links:
		v.add("verification", "%s cannot verify a job with links: its tasks talk to each other, so one task re-run alone by a validator is not the same computation; verify an array job (tasks without links) or each task as a job of its own", pol)
	}
}
