package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveChain runs `deco chain serve` with args until it has printed its
// summary (or failed) and returns its stdout and error.
func serveChain(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb syncBuffer
	root := newRoot(&out, &errb)
	root.SetArgs(append([]string{"chain", "serve", "--addr", "127.0.0.1:0", "--out", ""}, args...))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	for {
		select {
		case err := <-done:
			return out.String(), err
		case <-time.After(10 * time.Millisecond):
		}
		if s := out.String(); strings.HasSuffix(s, "}\n") || strings.Contains(s, "Ctrl-C") {
			cancel()
		}
	}
}

func TestChainServeValidators(t *testing.T) {
	a, b, c := identity.Address{0xa1}, identity.Address{0xb2}, identity.Address{0xc3}
	for _, tc := range []struct {
		name       string
		args       []string
		validators int
		quorum     int
	}{
		{"none: slashing disabled", nil, 0, 0},
		{"one: quorum 1", []string{"--validator", a.String()}, 1, 1},
		{"three: majority 2", []string{"--validator", a.String(), "--validator", b.String(), "--validator", c.String()}, 3, 2},
		{"two: majority 2", []string{"--validator", a.String(), "--validator", b.String()}, 2, 2},
		{"quorum given", []string{"--validator", a.String(), "--validator", b.String(), "--validator", c.String(), "--quorum", "3"}, 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := serveChain(t, append(tc.args, "-o", "json")...)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Escrow     identity.Address   `json:"escrow"`
				Validators []identity.Address `json:"validators"`
				Quorum     int                `json:"quorum"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			if got.Escrow == (identity.Address{}) || len(got.Validators) != tc.validators || got.Quorum != tc.quorum {
				t.Fatalf("chain serve printed %+v, want %d validators and quorum %d", got, tc.validators, tc.quorum)
			}
		})
	}
	out, err := serveChain(t, "--validator", a.String(), "--validator", b.String(), "--validator", c.String())
	if err != nil || !strings.Contains(out, "validators  quorum 2 of 3: "+a.String()) {
		t.Fatalf("chain serve: %v\n%s", err, out)
	}
	if out, err := serveChain(t); err != nil || !strings.Contains(out, "validators  none (slashing disabled)") {
		t.Fatalf("chain serve without validators: %v\n%s", err, out)
	}
}

func TestChainServeValidatorErrors(t *testing.T) {
	a := identity.Address{0xa1}.String()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad address", []string{"--validator", "0xnope"}, `--validator "0xnope"`},
		{"twice", []string{"--validator", a, "--validator", a}, "given twice"},
		{"quorum without validators", []string{"--quorum", "1"}, "--quorum needs validators"},
		{"quorum above validators", []string{"--validator", a, "--quorum", "2"}, "--quorum 2: want 1 to 1"},
		{"quorum zero", []string{"--validator", a, "--quorum", "0"}, "--quorum 0: want 1 to 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := serveChain(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
