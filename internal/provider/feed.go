package provider

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/p2p"
)

// streamWriteTimeout bounds one event write to a requester's stream; a
// stream that cannot take an event in time is dropped (it may reattach).
const streamWriteTimeout = 10 * time.Second

// sender is an execution's feed: it keeps the log file, fans every event
// out to the requester's streams (the task stream, and any stream that
// reattached), and lets a new stream catch up: current state, logs from an
// offset, and the final event once there is one.
type sender struct {
	mu      sync.Mutex
	now     func() time.Time
	logPath string
	logFile *os.File
	logSize int64
	// maxLog caps the log; output past it is dropped (truncated).
	maxLog    int64
	truncated bool
	state     job.State
	// sinks are the streams the feed writes to, each with the number of
	// log bytes it already holds (a stream that reattached holds some).
	sinks map[network.Stream]int64
	final *market.TaskEvent
	// usage is the latest usage report sent: a stream that attaches gets
	// it again, since its answer may have been lost with the stream it was
	// sent on (the requester restarting, a network cut), and the provider
	// stops a task whose report goes unpaid past the next interval.
	usage *market.TaskEvent
	done  chan struct{}
}

func newSender(logPath string, now func() time.Time, state job.State, maxLog int64) *sender {
	x := &sender{now: now, logPath: logPath, state: state, maxLog: maxLog, sinks: map[network.Stream]int64{}, done: make(chan struct{})}
	// The feed's log starts empty: an execution reattached after a restart
	// replays its sandbox's whole log into it.
	if f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err == nil {
		x.logFile = f
	}
	return x
}

// write sends ev to every stream, dropping those that fail. Callers hold mu.
func (x *sender) write(ev market.TaskEvent) {
	if ev.At.IsZero() {
		ev.At = x.now()
	}
	for s := range x.sinks {
		x.writeTo(s, ev)
	}
}

// writeTo sends ev to one stream, dropping it on failure. Callers hold mu.
func (x *sender) writeTo(s network.Stream, ev market.TaskEvent) {
	_ = s.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if err := p2p.WriteMsg(s, ev); err != nil {
		_ = s.Reset()
		delete(x.sinks, s)
	}
}

// send delivers an event (state changes, progress) to every stream.
func (x *sender) send(ev market.TaskEvent) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if ev.Type == market.EventState && ev.State != "" {
		x.state = ev.State
	}
	if ev.Type == market.EventUsage {
		if ev.At.IsZero() {
			ev.At = x.now()
		}
		x.usage = &ev
	}
	x.write(ev)
}

// log appends a chunk to the log file and sends it. Output past maxLog is
// dropped: the log keeps the first maxLog bytes, then a line saying so.
func (x *sender) log(chunk []byte) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.truncated {
		return nil
	}
	if x.maxLog > 0 && x.logSize+int64(len(chunk)) > x.maxLog {
		keep := x.maxLog - x.logSize
		chunk = fmt.Appendf(chunk[:keep:keep], "\n[deco: log truncated at %d bytes; further output is dropped]\n", x.maxLog)
		x.truncated = true
	}
	if x.logFile == nil {
		f, err := os.OpenFile(x.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		x.logFile = f
	}
	if _, err := x.logFile.Write(chunk); err != nil {
		return err
	}
	x.logSize += int64(len(chunk))
	pos := x.logSize - int64(len(chunk)) // where chunk starts in the log
	for s, held := range x.sinks {
		if held >= x.logSize {
			continue // it has these bytes already
		}
		part := chunk
		if held > pos {
			part = chunk[held-pos:]
		}
		x.writeTo(s, market.TaskEvent{Type: market.EventLog, Log: part, At: x.now()})
		if _, ok := x.sinks[s]; ok {
			x.sinks[s] = x.logSize
		}
	}
	return nil
}

// logged is the number of log bytes written so far.
func (x *sender) logged() int64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.logSize
}

// finish sends the final event and ends the feed.
func (x *sender) finish(ev market.TaskEvent) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.final != nil {
		return
	}
	if ev.At.IsZero() {
		ev.At = x.now()
	}
	x.final = &ev
	x.state = ev.State
	x.write(ev)
	if x.logFile != nil {
		x.logFile.Close()
		x.logFile = nil
	}
	close(x.done)
}

// heartbeat tells every stream the execution is alive.
func (x *sender) heartbeat() {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.final == nil {
		x.write(market.TaskEvent{Type: market.EventHeartbeat})
	}
}

// attach catches s up (state, logs from offset, the final event if any)
// and, unless the execution has ended, adds it to the streams.
func (x *sender) attach(s network.Stream, offset int64) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := catchUp(s, x.logPath, offset, x.state, x.now); err != nil {
		return err
	}
	if x.final != nil {
		return p2p.WriteMsg(s, *x.final)
	}
	if x.usage != nil {
		if err := p2p.WriteMsg(s, *x.usage); err != nil {
			return err
		}
	}
	x.sinks[s] = max(offset, x.logSize)
	return nil
}

// add makes s a stream of the feed without catching up (the task stream,
// which has seen everything).
func (x *sender) add(s network.Stream) {
	x.mu.Lock()
	x.sinks[s] = x.logSize
	x.mu.Unlock()
}

// catchUp sends the state and the log file from offset.
func catchUp(s network.Stream, logPath string, offset int64, state job.State, now func() time.Time) error {
	_ = s.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if err := p2p.WriteMsg(s, market.TaskEvent{Type: market.EventState, State: state, At: now()}); err != nil {
		return err
	}
	f, err := os.Open(logPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return err
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			_ = s.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
			if werr := p2p.WriteMsg(s, market.TaskEvent{Type: market.EventLog, Log: buf[:n], At: now()}); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
