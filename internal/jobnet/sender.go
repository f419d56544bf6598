package jobnet

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// sender carries a job's packets and join announcements to one remote
// provider over one stream, redialling until the job closes.
type sender struct {
	j        *job
	peer     peer.ID
	log      *slog.Logger
	queue    chan *[]byte  // packets; full means drop
	announce chan struct{} // poked when the local joined set changes
}

// enqueue queues packet *bp, dropping it if the queue is full, and takes
// ownership of bp.
func (s *sender) enqueue(bp *[]byte) {
	select {
	case s.queue <- bp:
	default:
		s.j.svc.putBuf(bp)
	}
}

// poke asks for the local joined tasks to be announced.
func (s *sender) poke() {
	select {
	case s.announce <- struct{}{}:
	default:
	}
}

func (s *sender) run(ctx context.Context) {
	defer s.j.wg.Done()
	defer func() {
		for {
			select {
			case bp := <-s.queue:
				s.j.svc.putBuf(bp)
			default:
				return
			}
		}
	}()
	for {
		st, err := s.dial(ctx)
		if err == nil {
			s.log.Debug("jobnet: stream open", "via", st.Conn().RemoteMultiaddr())
			err = s.serve(ctx, st)
		}
		if ctx.Err() != nil {
			return
		}
		s.log.Debug("jobnet: stream to provider", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(retryInterval):
		}
	}
}

// dial opens a stream to the remote and waits for it to accept the job.
func (s *sender) dial(ctx context.Context) (network.Stream, error) {
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	// A relayed connection may be "limited" (a relay that caps each
	// circuit's time and data): a job network still takes it rather than
	// waiting for a direct connection that two providers behind NATs may
	// never get; a relay of deco's own sets no such limit.
	ctx = network.WithAllowLimitedConn(ctx, "job network")
	st, err := s.j.svc.host.NewStream(ctx, s.peer, Protocol)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { st.Reset() })
	defer stop()
	fail := func(err error) (network.Stream, error) {
		st.Reset()
		return nil, err
	}
	st.SetDeadline(time.Now().Add(handshakeTimeout))
	if err := writeHeader(st, s.j.id); err != nil {
		return fail(err)
	}
	var ack [1]byte
	if _, err := io.ReadFull(st, ack[:]); err != nil {
		return fail(fmt.Errorf("refused: %w", err))
	}
	if ack[0] != ackOK {
		return fail(fmt.Errorf("refused: answer %d", ack[0]))
	}
	if !stop() {
		return fail(ctx.Err())
	}
	st.SetDeadline(time.Time{})
	return st, nil
}

// serve writes the announcements and queued packets to st until it fails,
// the remote closes it or ctx ends. It flushes only when the queue is empty.
func (s *sender) serve(ctx context.Context, st network.Stream) error {
	dead := make(chan struct{})
	go func() {
		io.Copy(io.Discard, st) // returns when the remote resets or closes
		close(dead)
	}()
	defer func() {
		st.Reset()
		<-dead
	}()
	bw := bufio.NewWriterSize(st, bufSize)
	s.poke() // every new stream starts with the joined tasks
	for {
		var err error
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-dead:
			return errors.New("closed by remote")
		case <-s.announce:
			err = writeFrame(bw, joinedMsg(s.j.localJoined()))
		case bp := <-s.queue:
			err = s.write(bw, bp)
		}
		for more := err == nil; more; {
			select {
			case bp := <-s.queue:
				err = s.write(bw, bp)
				more = err == nil
			default:
				more = false
			}
		}
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			return err
		}
	}
}

func (s *sender) write(bw *bufio.Writer, bp *[]byte) error {
	err := writeFrame(bw, *bp)
	s.j.svc.putBuf(bp)
	return err
}
