package telemetry

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/inventory"
)

// cpuTime is the CPU time this process and its waited-for children used.
func cpuTime(b *testing.B) time.Duration {
	var self, kids syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		b.Fatal(err)
	}
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids); err != nil {
		b.Fatal(err)
	}
	tv := func(t syscall.Timeval) time.Duration {
		return time.Duration(t.Sec)*time.Second + time.Duration(t.Usec)*time.Microsecond
	}
	return tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)
}

// reportCPU reports the CPU time per operation (children included) and
// what it comes to, as a share of one core, at one operation per every.
func reportCPU(b *testing.B, start time.Duration, every time.Duration) {
	per := float64(cpuTime(b)-start) / float64(b.N)
	b.ReportMetric(per, "cpu-ns/op")
	b.ReportMetric(100*per/float64(every), "cpu%@"+every.String())
}

// BenchmarkTimeLockSample is one time-lock sample of a running task, as
// the provider takes it every DefaultSampleInterval (2 s): the
// compute-apps query, the utilisation query, the PID-to-container mapping
// through /proc, the host's CPU time, and the fold into the window.
// "stand-in" runs the queries as a process (a shell script printing
// recorded output), as a provider does nvidia-smi, so fork and exec are
// counted; "in-process" is deco's own work alone. nvidia-smi's own CPU
// time on a real GPU machine comes on top of the stand-in's.
func BenchmarkTimeLockSample(b *testing.B) {
	apps, err := os.ReadFile(filepath.Join("testdata", "nvidia-smi-compute-apps", "two-gpus.txt"))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	appsFile := filepath.Join(dir, "apps.csv")
	if err := os.WriteFile(appsFile, apps, 0o644); err != nil {
		b.Fatal(err)
	}
	script := filepath.Join(dir, "nvidia-smi")
	body := "#!/bin/sh\ncase \"$*\" in\n*--query-compute-apps*) cat " + appsFile + " ;;\n*) echo \"" + gpu0 + ", 87, 30001\" ;;\nesac\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		b.Fatal(err)
	}
	// The PIDs of the recorded output are this host's processes or none:
	// each is looked up in /proc as on a provider.
	containers := []string{"97190b4f4a197bb1df88e383efd28c41bebe25fad69f374e1ab98a6a39fe0ae1"}
	for _, bc := range []struct {
		name string
		s    TimeLockSampler
	}{
		{"stand-in", TimeLockSampler{Runner: inventory.ExecRunner{}, NvidiaSMI: []string{script}}},
		{"in-process", TimeLockSampler{Runner: &scripted{out: apps}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			w := NewWindow("x1", []string{gpu0, gpu1}, 1, time.Now())
			utilOut := []byte(gpu0 + ", 87, 30001\n")
			start := cpuTime(b)
			for b.Loop() {
				r := TimeLockReading{At: time.Now()}
				if r.Apps, err = bc.s.Apps(ctx, containers); err != nil {
					b.Fatal(err)
				}
				if sc, ok := bc.s.Runner.(*scripted); ok {
					sc.out, sc.args = utilOut, sc.args[:0]
					r.GPUs, err = bc.s.Utilization(ctx, []string{gpu0})
					sc.out = apps
				} else {
					r.GPUs, err = bc.s.Utilization(ctx, []string{gpu0})
				}
				if err != nil {
					b.Fatal(err)
				}
				if r.HostCPU, err = bc.s.Procfs.HostCPU(); err != nil {
					b.Fatal(err)
				}
				w.Add(r)
			}
			reportCPU(b, start, 2*time.Second)
		})
	}
}

// BenchmarkTimeLockAttest closes an interval and signs its attestation,
// once per usage report (every 10 s by default).
func BenchmarkTimeLockAttest(b *testing.B) {
	key, err := identity.Generate(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	w := NewWindow("x1", []string{gpu0}, 1, time.Now())
	procs := []Process{{PID: 7, GPU: gpu0, Memory: 30 << 30, Container: "c1"}, {PID: 8, GPU: gpu0, Memory: 1 << 30, Container: "c1"}}
	start := cpuTime(b)
	for b.Loop() {
		for range 5 { // the samples of a 10 s interval
			w.Add(TimeLockReading{Apps: procs, HostCPU: time.Hour})
		}
		a := w.Close(time.Now())
		if err := a.Sign(key); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, 10*time.Second)
}
