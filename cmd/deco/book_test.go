package main

import (
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/job"
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
