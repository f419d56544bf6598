package jobnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
)

// Link is one local task's attachment to its job's network.
type Link struct {
	j    *job
	task int
	addr netip.Addr
	tun  *os.File
	done chan struct{} // closed by Close
	wg   sync.WaitGroup
	once sync.Once
}

// Ready blocks until every task of the job has joined (its interface is up,
// on this provider or another) or ctx ends. It is the start-together
// barrier: start the task's program only after Ready returns nil. It
// returns net.ErrClosed if the link is closed first.
func (l *Link) Ready(ctx context.Context) error {
	select {
	case <-l.j.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-l.done:
		return net.ErrClosed
	}
}

// Addr is the task's address on the job network.
func (l *Link) Addr() netip.Addr { return l.addr }

// Hosts maps "task-<i>" to task i's address for every task of the job, for
// the task's /etc/hosts.
func (l *Link) Hosts() map[string]netip.Addr {
	hosts := make(map[string]netip.Addr, len(l.j.members))
	for i := range l.j.members {
		hosts[fmt.Sprintf("task-%d", i)] = Addr(l.j.subnet, i)
	}
	return hosts
}

// Close stops forwarding for the task and closes its TUN file, which
// removes the interface if the namespace still exists. Call it when the
// task ends. Closing the job's last link on this provider closes the job's
// streams. Close is idempotent.
func (l *Link) Close() error {
	l.once.Do(func() {
		l.j.log.Info("jobnet: task leaving", "task", l.task)
		close(l.done)
		l.j.detach(l)
		l.tun.Close()
		l.wg.Wait()
	})
	return nil
}

// run reads the task's packets and routes them until the TUN file closes.
func (l *Link) run() {
	defer l.wg.Done()
	for {
		bp := l.j.svc.getBuf()
		n, err := l.tun.Read(*bp)
		if err != nil {
			l.j.svc.putBuf(bp)
			if !errors.Is(err, os.ErrClosed) {
				l.j.log.Warn("jobnet: read interface", "task", l.task, "err", err)
			}
			return
		}
		*bp = (*bp)[:n]
		l.j.route(l, bp)
	}
}

// write sends packet p to the task, dropping it on error as a network would.
func (l *Link) write(p []byte) {
	l.tun.Write(p)
}
