package api

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/p2p"
)

// ForwardProtocol is the Upgrade token of GET /v1/jobs/{id}/forward/{port}:
// after the 101 answer the HTTP connection carries one TCP connection to
// the service task's port, both ways (as `kubectl port-forward` does over
// its API server).
const ForwardProtocol = "deco-forward"

// forward connects the caller to a port of a running service job.
func (s *server) forward(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), ForwardProtocol) || !headerHas(r.Header, "Connection", "upgrade") {
		s.fail(w, fmt.Errorf("%w: forwarding needs the headers Connection: Upgrade and Upgrade: %s", ErrBadRequest, ForwardProtocol))
		return
	}
	id, err := s.b.JobID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, err)
		return
	}
	task := 0
	if v := r.URL.Query().Get("task"); r.URL.Query().Has("task") {
		if task, err = strconv.Atoi(v); err != nil || task < 0 || task >= job.MaxTasks {
			s.fail(w, fmt.Errorf("%w: task %s: want a task index from 0 to %d", ErrBadRequest, quoteShort(v), job.MaxTasks-1))
			return
		}
	}
	stream, err := s.b.Forward(r.Context(), id, task, r.PathValue("port"))
	if err != nil {
		s.fail(w, err)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		stream.Close()
		s.fail(w, fmt.Errorf("forward: %w", err))
		return
	}
	_ = conn.SetDeadline(time.Time{}) // the server's timeouts were for the request
	if _, err := rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + ForwardProtocol + "\r\n\r\n"); err == nil {
		err = rw.Flush()
	}
	if err != nil {
		conn.Close()
		stream.Close()
		return
	}
	in, out, err := p2p.Pipe(bufferedConn{conn, rw.Reader}, stream)
	s.log.Debug("forward ended", "job", id, "task", task, "port", r.PathValue("port"), "in", in, "out", out, "err", err)
}

// headerHas reports whether a comma-separated header lists token.
func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// bufferedConn reads what the HTTP server had buffered before the
// connection itself.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// CloseWrite half-closes the TCP connection under it.
func (c bufferedConn) CloseWrite() error {
	if hc, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return hc.CloseWrite()
	}
	return c.Conn.Close()
}
