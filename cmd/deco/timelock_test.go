package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/telemetry"
)

func TestDescribeTimeLock(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.Local)
	gpu := "GPU-7e57a100-0000-4000-8000-000000000001"
	att := func(i int, procs ...telemetry.Process) *telemetry.Attestation {
		return &telemetry.Attestation{Index: uint64(i), Start: t0.Add(time.Duration(i-1) * time.Second), End: t0.Add(time.Duration(i) * time.Second),
			Samples: 2, Devices: []telemetry.Device{{UUID: gpu, MaxUtilization: 87}}, Processes: procs}
	}
	task := telemetry.Process{PID: 7, GPU: gpu, Container: "c0ffee"}
	var d api.JobDetail
	d.Spec = job.Spec{Kind: job.KindService}
	d.TimeLock = []store.TimeLock{
		{Index: 1, Verdict: telemetry.VerdictClean, Attestation: att(1, task)},
		{Index: 2, Verdict: telemetry.VerdictForeign, Reason: "foreign process: pid 66 on " + gpu + " (2048 MiB)", Withheld: 11074,
			Attestation: att(2, task, telemetry.Process{PID: 66, GPU: gpu, Memory: 2 << 30})},
		{Index: 3, Verdict: telemetry.VerdictGap, Reason: "no time-lock attestation for the interval", Withheld: 10000},
	}
	var b bytes.Buffer
	describeTimeLock(&b, d)
	out := b.String()
	for _, want := range []string{
		"Time-lock (an attestation per usage interval): 3 intervals, 1 clean, 2 failed, 0.021074 DECO withheld",
		"12:00:00.000", "12:00:01.000", gpu + " 87%", "1 task, 1 foreign",
		"foreign: foreign process: pid 66 on " + gpu + " (2048 MiB) (0.011074 DECO withheld)",
		"gap: no time-lock attestation for the interval (0.01 DECO withheld)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("timeline lacks %q:\n%s", want, out)
		}
	}
	if lines := strings.Count(out, "\n"); lines != 6 { // blank, summary, header, 3 intervals
		t.Errorf("%d lines, want 6:\n%s", lines, out)
	}
	b.Reset()
	describeTimeLock(&b, api.JobDetail{TaskDetail: api.TaskDetail{Job: store.Job{Spec: job.Spec{Kind: job.KindService}}}})
	if !strings.Contains(b.String(), "no interval attested yet") {
		t.Errorf("a service job before its first interval: %q", b.String())
	}
	b.Reset()
	describeTimeLock(&b, api.JobDetail{})
	if b.Len() != 0 {
		t.Errorf("a batch job prints a time-lock section: %q", b.String())
	}
}

func TestRunTimeLockFlag(t *testing.T) {
	for _, on := range []bool{false, true} {
		f := runFlags{tasks: 1, timeLock: on, cpu: "1", memory: "256MiB", disk: "64MiB", timeout: "1h"}
		s, err := f.spec([]string{"deco-busybox:latest", "true"}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if s.TimeLock != on || s.TimeLocked() != on {
			t.Fatalf("--time-lock=%v: spec timeLock %v, time-locked %v", on, s.TimeLock, s.TimeLocked())
		}
	}
}
