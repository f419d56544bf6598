package market

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
)

func TestLinear(t *testing.T) {
	l := Linear{Prices: offer.Prices{CPUHour: money.Unit, MemoryGiBHour: money.Unit / 10, GPUHour: money.Unit / 2},
		GPUModel: map[string]money.Amount{"a100": 2 * money.Unit}, Fixed: 7}
	r := PriceRequest{Resources: job.Resources{CPU: 2000, Memory: 4 << 30, GPUs: 2}, GPUModels: []string{"NVIDIA A100-SXM4-80GB", "Tesla T4"}}
	p, err := l.Price(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	want := 2*money.Unit + 4*money.Unit/10 + 2*money.Unit + money.Unit/2
	if p.PerHour != want || p.Fixed != 7 {
		t.Fatalf("price %v + %v, want %v + 7", p.PerHour, p.Fixed, want)
	}
}

func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "price")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCommand(t *testing.T) {
	req := PriceRequest{JobID: "j1", Resources: job.Resources{CPU: 4000}}
	tests := []struct {
		name    string
		body    string
		want    Price
		wantErr string
	}{
		{"number", `cat >/dev/null; echo 1.25`, Price{PerHour: 1_250_000}, ""},
		{"json", `cat >/dev/null; echo '{"perHour":"2","fixed":"0.1"}'`, Price{PerHour: 2 * money.Unit, Fixed: money.Unit / 10}, ""},
		{"reads the request", `grep -q '"cpu":4' && echo 3 || echo 0`, Price{PerHour: 3 * money.Unit}, ""},
		{"garbage", `echo lots`, Price{}, "answer \"lots\""},
		{"unknown field", `echo '{"perHour":"1","tip":"2"}'`, Price{}, "bad JSON"},
		{"fails", `echo no capacity >&2; exit 3`, Price{}, "no capacity"},
		{"too slow", `sleep 5`, Price{}, "no answer within"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Command{Path: script(t, tc.body), Timeout: 500 * time.Millisecond}
			p, err := c.Price(context.Background(), req)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || p != tc.want {
				t.Fatalf("got %+v %v, want %+v", p, err, tc.want)
			}
		})
	}
}
