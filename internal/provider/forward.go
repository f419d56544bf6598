package provider

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/p2p"
)

// serveForward connects a requester's stream to a port of its running
// service task (`deco forward`): only the execution's requester, only a
// port the spec declares, only while it runs. Nothing listens outside the
// sandbox; the executor dials the port from inside it.
func (p *Provider) serveForward(ctx context.Context, s p2pStream) {
	var req market.ForwardRequest
	if err := p.readRequest(s, &req, market.MaxSmallMsg); err != nil {
		_ = p2p.WriteMsg(s, market.ForwardReply{Error: fmt.Sprintf("bad forward request: %v", err)})
		return
	}
	requester := s.Conn().RemotePeer().String()
	conn, err := p.dialService(ctx, req, requester)
	if err != nil {
		p.log.Info("forward refused", "execution", req.ExecutionID, "port", req.Port, "requester", requester, "err", err)
		_ = p2p.WriteMsg(s, market.ForwardReply{Error: p.public(req.ExecutionID, err.Error())})
		return
	}
	if err := p2p.WriteMsg(s, market.ForwardReply{}); err != nil {
		conn.Close()
		return
	}
	p.log.Debug("forwarding", "execution", req.ExecutionID, "port", req.Port)
	in, out, err := p2p.Pipe(s, conn)
	p.log.Debug("forward ended", "execution", req.ExecutionID, "port", req.Port, "in", in, "out", out, "err", err)
}

// dialService checks a forward request and connects to the port.
func (p *Provider) dialService(ctx context.Context, req market.ForwardRequest, requester string) (net.Conn, error) {
	p.mu.Lock()
	r := p.running[req.ExecutionID]
	p.mu.Unlock()
	if r == nil || !r.quoteExpires.IsZero() {
		return nil, fmt.Errorf("execution %s is not running", req.ExecutionID)
	}
	if r.requester != requester {
		return nil, errors.New("only the job's requester may forward to its ports")
	}
	rec, err := p.cfg.Store.GetExecution(ctx, req.ExecutionID)
	if err != nil {
		return nil, fmt.Errorf("execution %s is not running", req.ExecutionID)
	}
	if !rec.Spec.IsService() {
		return nil, errors.New("only a service job (kind: service) exposes ports")
	}
	if _, err := rec.Spec.ServicePort(fmt.Sprint(req.Port)); err != nil {
		return nil, err
	}
	if rec.State != job.StateRunning {
		return nil, fmt.Errorf("execution %s is %s, not running", req.ExecutionID, rec.State)
	}
	d, ok := p.cfg.Executors[rec.Spec.Executor].(exec.PortDialer)
	if !ok {
		return nil, fmt.Errorf("the %s executor cannot forward ports", rec.Spec.Executor)
	}
	return d.DialPort(ctx, req.ExecutionID, req.Port)
}
