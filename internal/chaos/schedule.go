// Package chaos runs a deco network of separate `deco node run` processes
// and one `deco chain serve` through full job lifecycles (submit, quote,
// deal, run, pay by vouchers, redeem, withdraw) under seeded random fault
// schedules, and checks the money invariants afterwards: every job ends
// with a reason, no execution is paid twice, every redeemed voucher was for
// reported work, token supply plus escrow is conserved exactly, and no
// provider ran more than one interval ahead of its vouchers.
//
// A schedule is a pure function of its seed (Generate), so a failing run
// is replayed with the seed it prints.
package chaos

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Kind is a kind of fault.
type Kind string

// The faults a schedule injects.
const (
	// KillRequester SIGKILLs the requester node and restarts it on the
	// same data directory after the fault's Down time.
	KillRequester Kind = "kill-requester"
	// KillProvider SIGKILLs a provider node and restarts it likewise.
	KillProvider Kind = "kill-provider"
	// KillRedeem asks a provider to redeem its vouchers on chain and
	// SIGKILLs it a few milliseconds later, while its chain client is
	// sending or waiting for the redeem transaction.
	KillRedeem Kind = "kill-during-redeem"
	// KillWithdraw asks the requester to withdraw from a channel and
	// SIGKILLs it while its chain client sends the transaction.
	KillWithdraw Kind = "kill-during-withdraw"
	// DiskFull fills a provider's data directory (a size-limited tmpfs
	// the harness mounts) to the last byte for the fault's Down time,
	// then frees it.
	DiskFull Kind = "disk-full"
	// ClockJump moves a node's clock (the requester's, or a provider's)
	// by Jump for the fault's Down time, then back, through the node's
	// test-only DECO_TEST_CLOCK_OFFSET_FILE.
	ClockJump Kind = "clock-jump"
	// NetCut cuts a node (the requester, or a provider) off from its peers
	// for the fault's Down time: its packets to and from them are dropped
	// in the kernel (the nodes listen on loopback addresses of their own
	// and the harness adds iptables DROP rules for one), so connections
	// hang as they do on a real network, with nothing to say they broke.
	NetCut Kind = "net-cut"
)

// Kinds lists every fault kind, in report order.
func Kinds() []Kind {
	return []Kind{KillRequester, KillProvider, KillRedeem, KillWithdraw, DiskFull, ClockJump, NetCut}
}

// Phase says when in the lifecycle a fault is injected.
type Phase string

// The lifecycle phases faults are placed in.
const (
	// PhaseRun: while jobs are placed, quoted, dealt, run and paid.
	PhaseRun Phase = "run"
	// PhaseSettle: while providers redeem and the requester withdraws.
	PhaseSettle Phase = "settle"
)

// Fault is one injected fault.
type Fault struct {
	Phase Phase
	// At is when, after the phase began.
	At   time.Duration
	Kind Kind
	// Provider is the target provider's index (provider faults).
	Provider int
	// Delay is how long after the redeem or withdraw request the node is
	// killed (KillRedeem, KillWithdraw).
	Delay time.Duration
	// Jump is how far a ClockJump moves the clock (either way).
	Jump time.Duration
	// Down is how long the killed process stays dead (the disk stays
	// full, the clock stays moved, the node stays cut off).
	Down time.Duration
}

func (f Fault) String() string {
	s := fmt.Sprintf("%s+%s %s", f.Phase, f.At.Round(time.Millisecond), f.Kind)
	if f.Kind == KillProvider || f.Kind == KillRedeem || f.Kind == DiskFull {
		s += fmt.Sprintf(" provider%d", f.Provider)
	}
	if f.Kind == ClockJump || f.Kind == NetCut {
		target := "requester"
		if f.Provider < Providers {
			target = fmt.Sprintf("provider%d", f.Provider)
		}
		s += " " + target
	}
	if f.Kind == ClockJump {
		s += fmt.Sprintf(" by %s", f.Jump.Round(time.Millisecond))
	}
	if f.Delay > 0 {
		s += fmt.Sprintf(" after %s", f.Delay.Round(time.Millisecond))
	}
	return s + fmt.Sprintf(" down %s", f.Down.Round(time.Millisecond))
}

// JobPlan is one job a schedule submits.
type JobPlan struct {
	// At is when, after the run phase began.
	At time.Duration
	// Seconds is how long the task runs.
	Seconds int
}

// Schedule is the jobs and faults of one run.
type Schedule struct {
	Seed   uint64
	Jobs   []JobPlan
	Faults []Fault
}

func (s Schedule) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d: %d jobs", s.Seed, len(s.Jobs))
	for _, j := range s.Jobs {
		fmt.Fprintf(&b, " [+%s %ds]", j.At.Round(time.Millisecond), j.Seconds)
	}
	for _, f := range s.Faults {
		fmt.Fprintf(&b, "; %s", f)
	}
	return b.String()
}

// Providers is the number of provider nodes of every schedule.
const Providers = 2

// Generate derives a schedule from seed: one to three jobs of two to five
// seconds, and one to four faults spread over the run and settle phases.
func Generate(seed uint64) Schedule {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	s := Schedule{Seed: seed}
	for i, n := 0, 1+r.IntN(3); i < n; i++ {
		s.Jobs = append(s.Jobs, JobPlan{At: ms(r, 0, 1500), Seconds: 2 + r.IntN(4)})
	}
	for i, n := 0, 1+r.IntN(4); i < n; i++ {
		f := Fault{Kind: Kinds()[r.IntN(len(Kinds()))], Provider: r.IntN(Providers), Down: ms(r, 200, 4000)}
		switch f.Kind {
		case KillRequester, KillProvider:
			f.Phase, f.At = PhaseRun, ms(r, 0, 7000)
		case KillRedeem:
			f.Phase = []Phase{PhaseRun, PhaseSettle}[r.IntN(2)]
			f.At, f.Delay = ms(r, 0, 5000), ms(r, 0, 60)
			if f.Phase == PhaseSettle {
				f.At = ms(r, 0, 500)
			}
		case KillWithdraw:
			f.Phase, f.At, f.Delay = PhaseSettle, ms(r, 0, 500), ms(r, 0, 60)
		case DiskFull:
			f.Phase, f.At = PhaseRun, ms(r, 0, 5000)
		case ClockJump:
			// Provider == Providers targets the requester.
			f.Phase, f.At, f.Provider = PhaseRun, ms(r, 0, 5000), r.IntN(Providers+1)
			f.Jump = ms(r, 2000, 120000)
			if r.IntN(2) == 0 {
				f.Jump = -f.Jump
			}
		case NetCut:
			// Provider == Providers targets the requester.
			f.Phase, f.At, f.Provider = PhaseRun, ms(r, 0, 5000), r.IntN(Providers+1)
		}
		s.Faults = append(s.Faults, f)
	}
	return s
}

func ms(r *rand.Rand, lo, hi int) time.Duration {
	return time.Duration(lo+r.IntN(hi-lo+1)) * time.Millisecond
}
