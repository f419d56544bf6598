package provider

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/store"
)

// dialExec is a fakeExec whose sandboxes echo on every port.
type dialExec struct {
	fakeExec
	dialed []int
}

func (d *dialExec) DialPort(_ context.Context, _ string, port int) (net.Conn, error) {
	d.dialed = append(d.dialed, port)
	a, b := net.Pipe()
	go func() { _, _ = io.Copy(b, b); b.Close() }()
	return a, nil
}

// TestForwardAdmitsOnlyTheRequesterToDeclaredPorts forwards to a running
// service execution's ports over real libp2p: the requester reaches a
// declared port and its bytes come back; a stranger, an undeclared port, a
// batch execution and an unknown one are refused before anything is
// dialled.
func TestForwardAdmitsOnlyTheRequesterToDeclaredPorts(t *testing.T) {
	ex := &dialExec{}
	e := newHostileEnvWith(t, func(e *hostileEnv, c *Config) {
		c.Executors = map[string]exec.Executor{job.ExecutorDocker: ex}
	})
	ctx := t.Context()
	put := func(spec job.Spec) string {
		id := job.NewID()
		e.p.mu.Lock()
		e.p.running[id] = &running{requester: e.reqKey.PeerID()}
		e.p.mu.Unlock()
		if err := e.st.PutExecution(ctx, store.Execution{ID: id, JobID: job.NewID(), Requester: e.reqKey.PeerID(), Spec: spec,
			State: job.StateRunning, CreatedAt: e.clock.now(), UpdatedAt: e.clock.now()}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	service := testSpec()
	service.Kind, service.Ports = job.KindService, []job.Port{{Name: "http", Port: 8080}}
	svc, batch := put(service), put(testSpec())

	forward := func(h *p2p.Host, id string, port int) (io.ReadWriteCloser, error) {
		s, err := h.OpenStream(ctx, e.prov.ID(), p2p.ProtocolID(market.ProtoForward, 1))
		if err != nil {
			t.Fatal(err)
		}
		if err := p2p.WriteMsg(s, market.ForwardRequest{ExecutionID: id, Port: port}); err != nil {
			t.Fatal(err)
		}
		var reply market.ForwardReply
		if err := p2p.ReadMsg(s, &reply, market.MaxSmallMsg); err != nil {
			t.Fatal(err)
		}
		if reply.Error != "" {
			s.Close()
			return nil, errors.New(reply.Error)
		}
		return s, nil
	}
	s, err := forward(e.req, svc, 8080)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(s, "hello port"); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len("hello port"))
	if _, err := io.ReadFull(s, got); err != nil || string(got) != "hello port" {
		t.Fatalf("echo %q, %v", got, err)
	}
	s.Close()

	for _, tc := range []struct {
		name string
		host *p2p.Host
		id   string
		port int
		want string
	}{
		{"a stranger", e.other, svc, 8080, "only the job's requester"},
		{"an undeclared port", e.req, svc, 22, "no port \"22\""},
		{"a batch execution", e.req, batch, 8080, "only a service job"},
		{"an unknown execution", e.req, job.NewID(), 8080, "not running"},
	} {
		if _, err := forward(tc.host, tc.id, tc.port); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if len(ex.dialed) != 1 || ex.dialed[0] != 8080 {
		t.Fatalf("dialled %v, want only the requester's 8080", ex.dialed)
	}
}

// TestPortsNeedTheForwardCapability: a node that cannot enter network
// namespaces does not say it forwards, and refuses a service job with
// ports at the quote; one that can says so.
func TestPortsNeedTheForwardCapability(t *testing.T) {
	service := testSpec()
	service.Kind, service.Ports = job.KindService, []job.Port{{Name: "http", Port: 8080}}
	for _, forward := range []bool{false, true} {
		e := newHostileEnvWith(t, func(e *hostileEnv, c *Config) { c.Forward = forward })
		o, err := e.p.issue()
		if err != nil {
			t.Fatal(err)
		}
		if o.Ports != forward {
			t.Errorf("Forward %v: offer says ports %v", forward, o.Ports)
		}
		req := market.QuoteRequest{JobID: job.NewID(), ExecutionID: job.NewID(), Spec: service, SpecDigest: job.Digest(service),
			RequesterAddress: e.reqKey.Address()}
		var reply market.QuoteReply
		if err := e.req.Request(t.Context(), e.prov.ID(), p2p.ProtocolID(market.ProtoQuote, 1), req, &reply, market.MaxTaskEvent); err != nil {
			t.Fatal(err)
		}
		switch {
		case forward && reply.Quote == nil:
			t.Errorf("Forward: no quote for a service job with ports: %s", reply.Error)
		case !forward && (reply.Quote != nil || !strings.Contains(reply.Error, "cannot reach a task's ports")):
			t.Errorf("no Forward: quote %v, error %q; want a refusal", reply.Quote != nil, reply.Error)
		}
	}
}
