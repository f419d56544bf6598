package requester

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/p2p"
)

// ErrNotForwardable is wrapped by Forward's errors about the job itself
// (not a service, no such port, not running), as opposed to the network.
var ErrNotForwardable = errors.New("cannot forward")

// forwardSetup bounds the provider's answer to a forward request.
const forwardSetup = 30 * time.Second

// Forward opens a connection to port (a name or a number) of running
// service job id (task of a multi-task job), carried over a libp2p stream
// to its provider; the provider checks that this node is the job's
// requester. The stream carries the connection's bytes.
func (r *Requester) Forward(ctx context.Context, id string, task int, port string) (network.Stream, error) {
	j, err := r.cfg.Store.GetJob(ctx, id)
	if err != nil {
		return nil, err
	}
	if !j.Spec.IsService() {
		return nil, fmt.Errorf("%w: job %s is not a service job (kind: service)", ErrNotForwardable, id)
	}
	p, err := j.Spec.ServicePort(port)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotForwardable, err)
	}
	if isGang(j) {
		tasks, err := r.cfg.Store.Tasks(ctx, id)
		if err != nil {
			return nil, err
		}
		if task < 0 || task >= len(tasks) {
			return nil, fmt.Errorf("%w: job %s has tasks 0 to %d, not %d", ErrNotForwardable, id, len(tasks)-1, task)
		}
		j = tasks[task]
	} else if task > 0 {
		return nil, fmt.Errorf("%w: job %s has one task", ErrNotForwardable, id)
	}
	if j.State != job.StateRunning || j.Provider == "" {
		return nil, fmt.Errorf("%w: job %s is %s, not running", ErrNotForwardable, id, j.State)
	}
	pid, err := peer.Decode(j.Provider)
	if err != nil {
		return nil, err
	}
	s, err := r.cfg.Host.OpenStream(ctx, pid, p2p.ProtocolID(market.ProtoForward, 1))
	if err != nil {
		return nil, err
	}
	// The provider answers at once; after that the stream has no deadline.
	_ = s.SetDeadline(time.Now().Add(forwardSetup))
	stop := context.AfterFunc(ctx, func() { _ = s.Reset() })
	defer stop()
	var reply market.ForwardReply
	if err := p2p.WriteMsg(s, market.ForwardRequest{ExecutionID: j.ExecutionID, Port: p.Port}); err == nil {
		err = p2p.ReadMsg(s, &reply, market.MaxSmallMsg)
	}
	if err != nil {
		_ = s.Reset()
		return nil, fmt.Errorf("forward to the provider: %w", err)
	}
	if reply.Error != "" {
		_ = s.Reset()
		return nil, fmt.Errorf("the provider refused: %s", reply.Error)
	}
	if !stop() {
		return nil, ctx.Err()
	}
	_ = s.SetDeadline(time.Time{})
	return s, nil
}
