package telemetry

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
)

// Proof of time-lock: while a service job or a booking runs, its provider
// samples the rented devices (which processes use its GPUs, and how much
// CPU the host spends outside the task's containers) and signs, for every
// usage interval, an Attestation of what it saw. The requester checks each
// one (Check): a missing interval or a foreign process on a rented GPU
// withholds that interval's payment.

// Attestation is a provider's signed time-lock statement for one interval
// of an execution: from Start to End it sampled the execution's devices
// Samples times, and these processes used them.
type Attestation struct {
	Execution string `json:"execution"`
	// Index numbers the execution's intervals from 1; it is the seq of the
	// usage report the attestation travels with.
	Index uint64 `json:"index"`
	// Start and End bound the interval (milliseconds are signed); each
	// interval starts where the one before ended.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Samples is how many samples of the devices succeeded in the
	// interval; zero proves nothing (a gap).
	Samples uint32 `json:"samples"`
	// Devices are the rented GPUs, with the highest utilisation sampled.
	Devices []Device `json:"devices,omitempty"`
	// Processes are the processes seen on the rented GPUs, once each.
	Processes []Process `json:"processes,omitempty"`
	// HostCPUMillis is the CPU time the whole host spent in the interval
	// (/proc/stat), TaskCPUMillis the execution's containers' (their
	// cgroup): the difference ran outside the task. Zero when unknown.
	HostCPUMillis uint64 `json:"hostCpuMillis,omitempty"`
	TaskCPUMillis uint64 `json:"taskCpuMillis,omitempty"`
	// Signature is the provider's EIP-712 signature over Hash().
	Signature []byte `json:"signature,omitempty"`
}

// Device is one rented GPU in an attestation.
type Device struct {
	// UUID is nvidia-smi's GPU UUID.
	UUID string `json:"uuid"`
	// MaxUtilization is the highest utilisation sampled, in percent.
	MaxUtilization uint32 `json:"maxUtilization"`
}

// Process is one process seen on a rented GPU.
type Process struct {
	PID uint32 `json:"pid"`
	// GPU is the UUID of the GPU it used.
	GPU string `json:"gpu"`
	// Memory is the most GPU memory it was seen using, in bytes.
	Memory uint64 `json:"memory"`
	// Container is the ID of the execution's container it runs in; empty
	// for a foreign process.
	Container string `json:"container,omitempty"`
	// gone: the process had ended when its cgroup was read (not signed:
	// the window attributes it from earlier samples).
	gone bool
}

// Foreign reports whether the process runs outside the execution's
// containers.
func (p Process) Foreign() bool { return p.Container == "" }

// EIP-712 types of an attestation (referenced types follow the primary
// type, sorted by name, as the standard encodes them).
const (
	deviceType  = "Device(string uuid,uint32 maxUtilization)"
	processType = "Process(uint32 pid,string gpu,uint64 memory,string container)"
	timeLockTyp = "TimeLockAttestation(string execution,uint64 index,uint64 startMillis,uint64 endMillis,uint32 samples," +
		"Device[] devices,Process[] processes,uint64 hostCpuMillis,uint64 taskCpuMillis)" + deviceType + processType
)

// Hash is the EIP-712 digest of the attestation (domain offer.Domain, as
// usage reports).
func (a Attestation) Hash() []byte {
	var devs, procs []byte
	for _, d := range a.Devices {
		devs = append(devs, identity.StructHash(deviceType, identity.StringWord(d.UUID), identity.Uint64(uint64(d.MaxUtilization)))...)
	}
	for _, p := range a.Processes {
		procs = append(procs, identity.StructHash(processType, identity.Uint64(uint64(p.PID)), identity.StringWord(p.GPU),
			identity.Uint64(p.Memory), identity.StringWord(p.Container))...)
	}
	sh := identity.StructHash(timeLockTyp, identity.StringWord(a.Execution), identity.Uint64(a.Index),
		identity.Uint64(uint64(a.Start.UnixMilli())), identity.Uint64(uint64(a.End.UnixMilli())), identity.Uint64(uint64(a.Samples)),
		identity.Keccak256(devs), identity.Keccak256(procs), identity.Uint64(a.HostCPUMillis), identity.Uint64(a.TaskCPUMillis))
	return identity.TypedHash(offer.Domain.Separator(), sh)
}

// Sign signs the attestation with the provider's key; Start and End are
// first cut to the millisecond the signature covers.
func (a *Attestation) Sign(key *identity.Key) error {
	a.Start, a.End = a.Start.Truncate(time.Millisecond), a.End.Truncate(time.Millisecond)
	sig, err := key.SignHash(a.Hash())
	if err != nil {
		return fmt.Errorf("sign time-lock attestation: %w", err)
	}
	a.Signature = sig
	return nil
}

// Foreign are the attestation's foreign processes on its rented devices.
func (a Attestation) Foreign() []Process {
	var out []Process
	for _, p := range a.Processes {
		if p.Foreign() && slices.ContainsFunc(a.Devices, func(d Device) bool { return d.UUID == p.GPU }) {
			out = append(out, p)
		}
	}
	return out
}

// Verdict is what a requester concludes of one interval.
type Verdict string

// Verdicts of Check.
const (
	// VerdictClean: the interval is proven, and paid.
	VerdictClean Verdict = "clean"
	// VerdictForeign: a foreign process used a rented device; withheld.
	VerdictForeign Verdict = "foreign"
	// VerdictGap: no valid attestation covers the interval (none came, it
	// does not follow the one before, its signature is wrong, or it holds
	// no sample); withheld.
	VerdictGap Verdict = "gap"
)

// Withholds reports whether the interval's payment is withheld.
func (v Verdict) Withholds() bool { return v == VerdictForeign || v == VerdictGap }

// Errors of Check, each a reason for VerdictGap.
var (
	ErrTimeLockMissing   = errors.New("no time-lock attestation for the interval")
	ErrTimeLockSignature = errors.New("time-lock attestation not signed by the provider")
	ErrTimeLockSequence  = errors.New("time-lock attestation does not follow the last one")
	ErrTimeLockNoSamples = errors.New("time-lock attestation holds no sample")
)

// Expect is what a requester knows of the interval an attestation must
// cover.
type Expect struct {
	// Execution and Provider are the execution's and its provider's.
	Execution string
	Provider  identity.Address
	// Index is the interval's (the usage report's seq).
	Index uint64
	// Start is where the last attestation accepted ended (zero for the
	// first interval: any start).
	Start time.Time
	// GPUs is how many GPUs the task rents: the attestation must name as
	// many devices.
	GPUs int
}

// Check judges one interval from its attestation (nil when none came).
// The error says why an interval is a gap; a foreign process is no error.
func Check(a *Attestation, e Expect) (Verdict, error) {
	if a == nil {
		return VerdictGap, ErrTimeLockMissing
	}
	addr, err := identity.RecoverAddress(a.Hash(), a.Signature)
	if err != nil || addr != e.Provider {
		return VerdictGap, ErrTimeLockSignature
	}
	switch {
	case a.Execution != e.Execution:
		return VerdictGap, fmt.Errorf("%w: attestation of execution %s, want %s", ErrTimeLockSequence, a.Execution, e.Execution)
	case a.Index != e.Index:
		return VerdictGap, fmt.Errorf("%w: interval %d, want %d", ErrTimeLockSequence, a.Index, e.Index)
	case !e.Start.IsZero() && a.Start.UnixMilli() != e.Start.UnixMilli():
		return VerdictGap, fmt.Errorf("%w: interval %d starts at %s, the last one ended at %s", ErrTimeLockSequence, a.Index,
			a.Start.UTC().Format(time.RFC3339Nano), e.Start.UTC().Format(time.RFC3339Nano))
	case !a.End.After(a.Start):
		return VerdictGap, fmt.Errorf("%w: interval %d ends before it starts", ErrTimeLockSequence, a.Index)
	case len(a.Devices) != e.GPUs:
		return VerdictGap, fmt.Errorf("%w: %d devices attested, the task rents %d GPUs", ErrTimeLockSequence, len(a.Devices), e.GPUs)
	case a.Samples == 0:
		return VerdictGap, ErrTimeLockNoSamples
	}
	if len(a.Foreign()) > 0 {
		return VerdictForeign, nil
	}
	return VerdictClean, nil
}

// Withheld is the payment withheld for an interval judged v, whose usage
// report raised the execution's amount due from before to after: all of
// the interval's amount (the first interval's includes the fixed price)
// when v withholds, else nothing. Provider and requester both compute it,
// so the provider writes off exactly what the requester leaves out.
func Withheld(v Verdict, before, after money.Amount) money.Amount {
	if !v.Withholds() {
		return 0
	}
	return max(after-before, 0)
}

// Reason says why an interval failed: the gap's reason (Check's error),
// or its foreign processes; empty for a clean one.
func Reason(a *Attestation, gap error) string {
	if gap != nil {
		return gap.Error()
	}
	if a == nil {
		return ""
	}
	var fs []string
	for _, f := range a.Foreign() {
		fs = append(fs, fmt.Sprintf("pid %d on %s (%d MiB)", f.PID, f.GPU, f.Memory>>20))
	}
	if len(fs) == 0 {
		return ""
	}
	return "foreign process: " + strings.Join(fs, ", ")
}
