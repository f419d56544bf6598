package requester

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"

	"github.com/deco-network/deco/internal/market"
)

// jobLog is a job's log file with a notification for followers.
type jobLog struct {
	path  string
	limit int64 // of one attempt's logs: attemptLogCap

	mu sync.Mutex
	f  *os.File
	// n is the file's size, measured once (sized) and then counted.
	n     int64
	sized bool
	done  bool
	// changed is closed and replaced on every write and at done.
	changed chan struct{}
	// base is where the current attempt's logs start in the file.
	base int64
}

// attemptLogCap is the most of one attempt's logs a requester keeps: the
// provider's cap (market.MaxLogBytes) and room for its truncation line.
// What a provider sends beyond it is dropped.
const attemptLogCap = market.MaxLogBytes + 1<<10

func newJobLog(path string) *jobLog {
	return &jobLog{path: path, limit: attemptLogCap, changed: make(chan struct{})}
}

func (l *jobLog) write(b []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		l.f = f
	}
	room := l.limit - (l.sizeLocked() - l.base)
	if room <= 0 {
		return nil
	}
	if int64(len(b)) > room {
		b = b[:room]
	}
	n, err := l.f.Write(b)
	l.n += int64(n)
	close(l.changed)
	l.changed = make(chan struct{})
	return err
}

// sizeLocked is the number of bytes in the log file. l.mu is held.
func (l *jobLog) sizeLocked() int64 {
	if !l.sized {
		if st, err := os.Stat(l.path); err == nil {
			l.n = st.Size()
		}
		l.sized = true
	}
	return l.n
}

// size is the number of bytes in the log file (the offset a reattaching
// requester asks the provider to resume from).
func (l *jobLog) size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sizeLocked()
}

// startAttempt marks where the current attempt's logs begin and returns
// that offset.
func (l *jobLog) startAttempt() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.base = l.sizeLocked()
	return l.base
}

// setAttemptBase restores the current attempt's start (after a restart).
func (l *jobLog) setAttemptBase(n int64) {
	l.mu.Lock()
	l.base = n
	l.mu.Unlock()
}

// attemptOffset is how many bytes of the current attempt's logs are held:
// the offset a reattaching requester asks the provider to resume from.
func (l *jobLog) attemptOffset() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(0, l.sizeLocked()-l.base)
}

// finish marks the log complete and wakes followers.
func (l *jobLog) finish() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return
	}
	l.done = true
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *jobLog) state() (done bool, changed <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.done, l.changed
}

// copyTo writes the log to w; with follow it waits for more until the job
// ends or ctx is done.
func (l *jobLog) copyTo(ctx context.Context, w io.Writer, follow bool) error {
	f, err := os.Open(l.path)
	if errors.Is(err, os.ErrNotExist) {
		f = nil
	} else if err != nil {
		return err
	}
	if f != nil {
		defer f.Close()
	}
	flush := func() {
		if fl, ok := w.(interface{ Flush() }); ok {
			fl.Flush()
		}
	}
	for {
		done, changed := l.state()
		if f == nil {
			if f, err = os.Open(l.path); err == nil {
				defer f.Close()
			}
		}
		if f != nil {
			if _, err := io.Copy(w, f); err != nil {
				return err
			}
			flush()
		}
		if done || !follow {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}
