package provider

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/data"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/store"
)

// TestCarryCheckpoint: a task of a restarted linked job starts with the
// checkpoint/ directory of the earlier execution its request names, and
// nothing else of its outputs; the carry is refused (and leaves the new
// outputs empty) when the grant is for another input or from another
// requester, the digest is not the outputs', they hold no checkpoint/, or
// it does not fit what the disk request leaves.
func TestCarryCheckpoint(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "deco.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, host := newHost(t)
	p, err := New(ctx, Config{Key: key, Host: host, Store: st, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	reqKey, _ := newHost(t)
	otherKey, _ := newHost(t)

	// earlier records an ended execution of reqKey's with files as its outputs.
	earlier := func(files map[string]string) (string, string) {
		id := job.NewID()
		out := p.outputsDir(id)
		for name, body := range files {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(out, name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		_, digest, err := data.Digest(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.PutExecution(ctx, store.Execution{ID: id, JobID: job.NewID(), Requester: reqKey.PeerID(), State: job.StateCancelled,
			ResultDigest: digest, CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		return id, digest
	}
	withCkpt, withDigest := earlier(map[string]string{"checkpoint/step": "step-7\n", "checkpoint/deep/w.bin": "weights", "log.txt": "not carried"})
	without, withoutDigest := earlier(map[string]string{"log.txt": "no checkpoint"})

	carry := func(signer *identity.Key, input, execution, digest string) *market.Checkpoint {
		g, err := market.SignResultGrant(signer, input, execution, key.PeerID())
		if err != nil {
			t.Fatal(err)
		}
		return &market.Checkpoint{Provider: key.PeerID(), Digest: digest, Grant: g}
	}
	tests := []struct {
		name string
		c    *market.Checkpoint
		room int64
		want string // "" for success
	}{
		{"carried", carry(reqKey, market.CheckpointInput, withCkpt, withDigest), 1 << 20, ""},
		{"grant for another input", carry(reqKey, "prev", withCkpt, withDigest), 1 << 20, `the grant is for input "prev"`},
		{"grant by another requester", carry(otherKey, market.CheckpointInput, withCkpt, withDigest), 1 << 20, "not signed by the execution's requester"},
		{"wrong digest", carry(reqKey, market.CheckpointInput, withCkpt, withoutDigest), 1 << 20, "digest"},
		{"no checkpoint", carry(reqKey, market.CheckpointInput, without, withoutDigest), 1 << 20, "hold no checkpoint/ directory"},
		{"larger than the disk left", carry(reqKey, market.CheckpointInput, withCkpt, withDigest), 10, "carry the checkpoint"},
		{"no disk left", carry(reqKey, market.CheckpointInput, withCkpt, withDigest), 0, "the inputs fill the disk request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := testSpec()
			req := &market.TaskRequest{ExecutionID: job.NewID(), Spec: spec, Checkpoint: tc.c}
			if err := p.makeOutputs(ctx, req.ExecutionID, max(tc.room, 1<<20)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = p.removeOutputs(ctx, req.ExecutionID) })
			out := newSender(filepath.Join(t.TempDir(), "log"), time.Now, job.StatePreparing, 1<<20)
			err := p.carryCheckpoint(ctx, req, tc.room, out)
			outputs := p.outputsDir(req.ExecutionID)
			names, _ := os.ReadDir(outputs)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want %q", err, tc.want)
				}
				if len(names) != 0 {
					t.Fatalf("a refused carry left %d entries in the outputs", len(names))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(names) != 1 || names[0].Name() != "checkpoint" {
				t.Fatalf("outputs hold %v, want checkpoint/ alone", names)
			}
			for name, want := range map[string]string{"step": "step-7\n", "deep/w.bin": "weights"} {
				if b, err := os.ReadFile(filepath.Join(outputs, "checkpoint", name)); err != nil || string(b) != want {
					t.Fatalf("checkpoint/%s = %q (%v), want %q", name, b, err, want)
				}
			}
		})
	}
}

// TestNetworkKey: a gang's first attempt keeps the job ID as its job
// network's key (as before restarts existed); every later attempt has a
// key, and so a subnet, of its own.
func TestNetworkKey(t *testing.T) {
	id := job.NewID()
	keys := map[string]int{}
	for attempt := range 4 {
		keys[networkKey(&market.TaskRequest{JobID: id, Attempt: attempt})] = attempt
	}
	if networkKey(&market.TaskRequest{JobID: id}) != id || networkKey(&market.TaskRequest{JobID: id, Attempt: 1}) != id {
		t.Fatal("the first attempt's key is not the job ID")
	}
	if len(keys) != 3 { // attempts 0 and 1 are the first
		t.Fatalf("keys %v: want one per attempt", keys)
	}
}
