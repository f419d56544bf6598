package p2p

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// Handle serves protocol id: each inbound stream gets a deadline of
// timeout (none when timeout is zero) and a context that ends at the same
// time or when the host closes. fn owns reading and writing; the stream is
// closed after fn returns. A panic in fn is logged and the stream reset;
// it does not take the node down.
func (h *Host) Handle(id protocol.ID, timeout time.Duration, fn func(ctx context.Context, s network.Stream)) {
	h.h.SetStreamHandler(id, func(s network.Stream) {
		ctx, cancel := context.WithCancel(h.ctx)
		defer cancel()
		if timeout > 0 {
			deadline := time.Now().Add(timeout)
			ctx, cancel = context.WithDeadline(ctx, deadline)
			defer cancel()
			if err := s.SetDeadline(deadline); err != nil {
				h.log.Debug("set stream deadline", "protocol", id, "err", err)
			}
		}
		defer func() {
			if r := recover(); r != nil {
				h.log.Error("protocol handler panicked", "protocol", id,
					"peer", shortID(s.Conn().RemotePeer()), "panic", r, "stack", string(debug.Stack()))
				_ = s.Reset()
				return
			}
			_ = s.Close()
		}()
		fn(ctx, s)
	})
}

// Request sends req to peer p on a new stream of protocol id and reads one
// response of at most max bytes into resp. The exchange ends by ctx's
// deadline, or Config.RequestTimeout when ctx has none.
func (h *Host) Request(ctx context.Context, p peer.ID, id protocol.ID, req, resp any, max int) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.cfg.RequestTimeout)
		defer cancel()
	}
	s, err := h.h.NewStream(ctx, p, id)
	if err != nil {
		return fmt.Errorf("open %s stream to %s: %w", id, shortID(p), err)
	}
	deadline, _ := ctx.Deadline()
	_ = s.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = s.Reset() })
	defer stop()
	if err := h.exchange(s, req, resp, max); err != nil {
		_ = s.Reset()
		cerr := ctx.Err()
		if cerr == nil && !time.Now().Before(deadline) {
			// The stream deadline can fire just before ctx's timer.
			cerr = context.DeadlineExceeded
		}
		if cerr != nil {
			return fmt.Errorf("%s request to %s: %w (%w)", id, shortID(p), cerr, err)
		}
		return fmt.Errorf("%s request to %s: %w", id, shortID(p), err)
	}
	return s.Close()
}

func (h *Host) exchange(s network.Stream, req, resp any, max int) error {
	if err := WriteMsg(s, req); err != nil {
		return err
	}
	// A handler that has read the request may answer and close its side
	// before our CloseWrite arrives (QUIC then reports a canceled stream):
	// the response decides, so a failed CloseWrite is not an error.
	cwErr := s.CloseWrite()
	if err := ReadMsg(s, resp, max); err != nil {
		if cwErr != nil {
			return fmt.Errorf("%w (close write: %v)", err, cwErr)
		}
		return err
	}
	return nil
}

// OpenStream opens a long-lived stream of protocol id to peer p, for
// protocols that exchange many messages (WriteMsg / ReadMsg). ctx bounds
// only the opening; the caller sets deadlines and closes the stream.
func (h *Host) OpenStream(ctx context.Context, p peer.ID, id protocol.ID) (network.Stream, error) {
	s, err := h.h.NewStream(ctx, p, id)
	if err != nil {
		return nil, fmt.Errorf("open %s stream to %s: %w", id, shortID(p), err)
	}
	return s, nil
}
