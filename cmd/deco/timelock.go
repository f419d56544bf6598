package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/store"
)

// describeTimeLock prints a time-locked job's proof of time-lock as a
// timeline: one line per interval (a multi-task job's per task), with its
// samples, the GPUs' highest utilisation, the processes seen (the task's
// or foreign) and the verdict, then what was withheld.
func describeTimeLock(w io.Writer, d api.JobDetail) {
	type part struct {
		label string
		ts    []store.TimeLock
	}
	parts := []part{{"", d.TimeLock}}
	for _, t := range d.Tasks {
		parts = append(parts, part{fmt.Sprintf("task %d ", t.TaskIndex), t.TimeLock})
	}
	var all []store.TimeLock
	for _, p := range parts {
		all = append(all, p.ts...)
	}
	if len(all) == 0 {
		if d.Spec.TimeLocked() {
			fmt.Fprintln(w, "\nTime-lock: no interval attested yet")
		}
		return
	}
	var withheld money.Amount
	failed := 0
	for _, t := range all {
		if t.Verdict.Withholds() {
			failed++
			withheld += t.Withheld
		}
	}
	fmt.Fprintf(w, "\nTime-lock (an attestation per usage interval): %d intervals, %d clean, %d failed, %s DECO withheld\n",
		len(all), len(all)-failed, failed, withheld)
	var rows [][]string
	for _, p := range parts {
		for _, t := range p.ts {
			rows = append(rows, timeLockRow(p.label, t))
		}
	}
	table(w, []string{"  INTERVAL", "FROM", "TO", "SAMPLES", "GPUS", "PROCESSES", "VERDICT"}, rows)
}

// timeLockRow is one interval of the timeline.
func timeLockRow(label string, t store.TimeLock) []string {
	from, to, samples, gpus, procs := "-", "-", "-", "-", "-"
	if a := t.Attestation; a != nil {
		from, to = a.Start.Local().Format("15:04:05.000"), a.End.Local().Format("15:04:05.000")
		samples = fmt.Sprint(a.Samples)
		var gs []string
		for _, g := range a.Devices {
			gs = append(gs, fmt.Sprintf("%s %d%%", g.UUID, g.MaxUtilization))
		}
		if len(gs) > 0 {
			gpus = strings.Join(gs, ", ")
		} else {
			gpus = "none"
		}
		own, foreign := 0, 0
		for _, p := range a.Processes {
			if p.Foreign() {
				foreign++
			} else {
				own++
			}
		}
		procs = fmt.Sprintf("%d task", own)
		if foreign > 0 {
			procs += fmt.Sprintf(", %d foreign", foreign)
		}
	}
	verdict := string(t.Verdict)
	if t.Reason != "" {
		verdict += ": " + t.Reason
	}
	if t.Withheld > 0 {
		verdict += fmt.Sprintf(" (%s DECO withheld)", t.Withheld)
	}
	return []string{fmt.Sprintf("  %s%d", label, t.Index), from, to, samples, gpus, procs, verdict}
}
