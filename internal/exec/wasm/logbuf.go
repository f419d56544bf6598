package wasm

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// logBuffer holds an execution's combined stdout and stderr in memory, up
// to a cap; what comes after the cap is dropped and replaced by one marker
// line. Readers may follow it: they block until more data arrives or the
// buffer is closed (the execution ended).
type logBuffer struct {
	max int

	mu        sync.Mutex
	buf       []byte
	truncated bool
	closed    bool
	changed   chan struct{} // closed and replaced on every write and on close
}

func newLogBuffer(max int) *logBuffer {
	return &logBuffer{max: max, changed: make(chan struct{})}
}

// Write appends p, truncating at the cap. It never fails, so a chatty guest
// is not broken by its own logs.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.truncated {
		return len(p), nil
	}
	room := b.max - len(b.buf)
	if len(p) <= room {
		b.buf = append(b.buf, p...)
	} else {
		b.buf = append(b.buf, p[:room]...)
		b.buf = append(b.buf, fmt.Sprintf("\n[deco: logs truncated at %d bytes]\n", b.max)...)
		b.truncated = true
	}
	b.signal()
	return len(p), nil
}

// close marks the end of the logs; following readers then reach io.EOF.
func (b *logBuffer) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		b.signal()
	}
}

// signal wakes the waiting readers; b.mu is held.
func (b *logBuffer) signal() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// reader returns a reader of the logs from the beginning. With follow it
// waits for more data until the buffer is closed, ctx is done or the reader
// is closed.
func (b *logBuffer) reader(ctx context.Context, follow bool) io.ReadCloser {
	return &logReader{b: b, ctx: ctx, follow: follow, done: make(chan struct{})}
}

type logReader struct {
	b      *logBuffer
	ctx    context.Context
	follow bool
	off    int

	closeOnce sync.Once
	done      chan struct{}
}

func (r *logReader) Read(p []byte) (int, error) {
	for {
		r.b.mu.Lock()
		if r.off < len(r.b.buf) {
			n := copy(p, r.b.buf[r.off:])
			r.off += n
			r.b.mu.Unlock()
			return n, nil
		}
		if r.b.closed || !r.follow {
			r.b.mu.Unlock()
			return 0, io.EOF
		}
		changed := r.b.changed
		r.b.mu.Unlock()
		select {
		case <-changed:
		case <-r.done:
			return 0, io.ErrClosedPipe
		case <-r.ctx.Done():
			return 0, r.ctx.Err()
		}
	}
}

func (r *logReader) Close() error {
	r.closeOnce.Do(func() { close(r.done) })
	return nil
}
