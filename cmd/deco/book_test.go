package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/requester"
)

func TestBookFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no window", []string{"book", "--nodes", "2"}, "give --hours H"},
		{"both windows", []string{"book", "--hours", "1", "--duration", "1h"}, "not both"},
		{"no nodes", []string{"book", "--nodes", "0", "--hours", "1"}, "--nodes: must be at least 1"},
		{"negative hours", []string{"book", "--hours", "-2"}, "--hours: must be more than 0"},
		{"bad cpu", []string{"book", "--hours", "1", "--cpu", "lots"}, "--cpu"},
		{"window too long", []string{"book", "--hours", "500"}, "--hours: must be more than 0 and at most 168"},
		{"checked before the node is asked", []string{"book", "--hours", "1", "--gpu-vendor", "intel", "--gpus", "1"}, "resources.gpu.vendor"},
		{"no node", []string{"book", "--hours", "1"}, "no deco node is running"},
		{"run into a bad booking ID", []string{"run", "--booking", "nope", "img"}, `booking: "nope" is not a booking ID`},
		{"bookings without a node", []string{"bookings"}, "no deco node is running"},
		{"describe needs an ID", []string{"booking", "describe"}, "accepts 1 arg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := deco(t, append([]string{"--data-dir", dir}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	f := bookFlags{nodes: 2, hours: 1.5}
	f.run.gpus, f.run.cpu, f.run.maxPrice = 1, "4", "0.5"
	br, err := f.request()
	if err != nil {
		t.Fatal(err)
	}
	if br.Nodes != 2 || br.Duration != job.Duration(90*time.Minute) || br.Resources.GPUs != 1 || br.Resources.CPU != 4000 || br.MaxPricePerHour.String() != "0.5" {
		t.Fatalf("request %+v", br)
	}
}

// TestBookCLIAgainstDevnet books a node with deco book, lists and
// describes it, runs a job in it with deco run --booking (its output and
// exit code come back as from any run), and cancels it.
func TestBookCLIAgainstDevnet(t *testing.T) {
	net := dockerDevnet(t)
	req := []string{"--data-dir", net.DataDir(0)}

	out, _, err := deco(t, append(req, "book", "--nodes", "1", "--cpu", "1", "--hours", "0.5", "--name", "cli", "-o", "json")...)
	if err != nil {
		t.Fatalf("book: %v\n%s", err, out)
	}
	var b requester.Booking
	if err := json.Unmarshal([]byte(out), &b); err != nil || b.ID == "" || b.Duration != job.Duration(30*time.Minute) {
		t.Fatalf("book -o json: %v %+v", err, b)
	}
	// It holds its node once its reservation runs.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		out, _, err = deco(t, append(req, "booking", "describe", b.ID)...)
		if err == nil && strings.Contains(out, "State:     running") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("describe: %v\n%s", err, out)
		}
	}
	for _, want := range []string{"Booking:   " + b.ID, "Name:      cli", "Each node: 1 CPU", "Window:    30m, from ", "DECO per hour"} {
		if !strings.Contains(out, want) {
			t.Fatalf("describe lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, net.Nodes[1].PeerID()) && !strings.Contains(out, net.Nodes[2].PeerID()) {
		t.Fatalf("describe names no provider of the devnet:\n%s", out)
	}
	if out, _, err = deco(t, append(req, "bookings")...); err != nil || !strings.Contains(out, b.ID) || !strings.Contains(out, "running") {
		t.Fatalf("bookings: %v\n%s", err, out)
	}
	out, errOut, err := deco(t, append(req, "run", "--booking", b.ID, "--cpu", "0.5", "deco-busybox:latest", "--", "sh", "-c", "echo in the booking; exit 4")...)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 4 || out != "in the booking\n" {
		t.Fatalf("run --booking: err %v out %q stderr %q", err, out, errOut)
	}
	if out, _, err = deco(t, append(req, "booking", "describe", b.ID)...); err != nil || !strings.Contains(out, "Jobs in it: 1") {
		t.Fatalf("describe after a job: %v\n%s", err, out)
	}
	inside := strings.TrimSpace(out[strings.LastIndex(out, "\n  ")+3:])
	if out, _, err = deco(t, append(req, "job", "describe", inside)...); err != nil || !strings.Contains(out, "Booking:    runs in "+b.ID) {
		t.Fatalf("job describe of the job in the booking: %v\n%s", err, out)
	}
	if out, _, err = deco(t, append(req, "job", "describe", b.ID)...); err != nil || !strings.Contains(out, "Booking:    1 node(s) for 30m") {
		t.Fatalf("job describe of the booking: %v\n%s", err, out)
	}
	if out, _, err = deco(t, append(req, "booking", "cancel", b.ID)...); err != nil || !strings.Contains(out, "cancelling booking "+b.ID) {
		t.Fatalf("cancel: %v\n%s", err, out)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		out, _, err = deco(t, append(req, "bookings")...)
		if err == nil && strings.Contains(out, "cancelled") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bookings after cancel: %v\n%s", err, out)
		}
	}
	if _, _, err = deco(t, append(req, "run", "--booking", b.ID, "deco-busybox:latest", "--", "true")...); err == nil || !strings.Contains(err.Error(), "has ended") {
		t.Fatalf("run into the cancelled booking: %v", err)
	}
}
