package jobnet

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Protocol is the libp2p protocol of job network streams.
const Protocol = "/deco/jobnet/1.0.0"

// Interface is the name of the job network interface in a task's namespace.
const Interface = "deco0"

// MTU is the job network interface's MTU: 65535, the largest a TUN
// interface and an IPv4 packet allow, which is also the most a frame's
// 2-byte length can carry. The packets never cross a real link, and the
// cost of forwarding is per packet (a TUN read, a queue hop, a TUN write),
// so the largest packets give the most throughput.
const MTU = 65535

const (
	// retryInterval is how often a sender redials a provider that refused
	// or dropped its stream.
	retryInterval = 150 * time.Millisecond
	// handshakeTimeout bounds a stream's header and acknowledgement.
	handshakeTimeout = 10 * time.Second
	// queueLen is how many packets wait for one remote provider before
	// more are dropped.
	queueLen = 256
	// bufSize is the size of a stream's read and write buffers.
	bufSize = 256 << 10
)

// Config configures a Service.
type Config struct {
	// Host is the libp2p host that carries the job network.
	Host host.Host
	// Range is where job subnets come from; zero means DefaultRange.
	Range netip.Prefix
	// Logger receives the service's logs; nil discards them.
	Logger *slog.Logger
}

// Service is a provider's side of the job networks of the jobs it runs
// tasks of.
type Service struct {
	host host.Host
	rng  netip.Prefix
	log  *slog.Logger
	bufs sync.Pool // *[]byte of MTU bytes

	mu     sync.Mutex
	jobs   map[string]*job
	closed bool
}

// New returns a Service and registers its stream handler for Protocol on
// cfg.Host.
func New(cfg Config) *Service {
	s := &Service{host: cfg.Host, rng: cfg.Range, log: cfg.Logger, jobs: map[string]*job{}}
	if !s.rng.IsValid() {
		s.rng = DefaultRange
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.bufs.New = func() any { b := make([]byte, MTU); return &b }
	s.host.SetStreamHandler(Protocol, s.handle)
	return s
}

// Close removes the stream handler and closes every link.
func (s *Service) Close() error {
	s.host.RemoveStreamHandler(Protocol)
	s.mu.Lock()
	s.closed = true
	var links []*Link
	for _, j := range s.jobs {
		links = append(links, j.activeLinks()...)
	}
	s.mu.Unlock()
	for _, l := range links {
		l.Close()
	}
	return nil
}

// Join attaches local task task of job jobID to the job network and returns
// once its interface is up. members[i] is the peer running task i, for every
// task of the job; members[task] must be this host. nsPath is the task's
// network namespace, such as /proc/<pid>/ns/net.
func (s *Service) Join(ctx context.Context, jobID string, task int, members []peer.ID, nsPath string) (*Link, error) {
	subnet := Subnet(s.rng, jobID)
	switch {
	case !subnet.IsValid():
		return nil, fmt.Errorf("join job %s: range %s holds no /%d", jobID, s.rng, subnetBits)
	case len(jobID) == 0 || len(jobID) > maxJobID:
		return nil, fmt.Errorf("join job %q: id must have 1 to %d bytes", jobID, maxJobID)
	case len(members) > capacity(subnet):
		return nil, fmt.Errorf("join job %s: %d tasks, at most %d", jobID, len(members), capacity(subnet))
	case task < 0 || task >= len(members):
		return nil, fmt.Errorf("join job %s: task %d of %d", jobID, task, len(members))
	case members[task] != s.host.ID():
		return nil, fmt.Errorf("join job %s: task %d runs on %s, not here", jobID, task, members[task])
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	addr := Addr(subnet, task)
	tun, err := openTUN(nsPath, netip.PrefixFrom(addr, subnet.Bits()))
	if err != nil {
		return nil, fmt.Errorf("join job %s task %d: %w", jobID, task, err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	fail := func(err error) (*Link, error) {
		tun.Close()
		return nil, fmt.Errorf("join job %s task %d: %w", jobID, task, err)
	}
	if s.closed {
		return fail(net.ErrClosed)
	}
	j := s.jobs[jobID]
	if j == nil {
		j = s.newJob(jobID, subnet, members)
		s.jobs[jobID] = j
	} else if !slices.Equal(j.members, members) {
		return fail(fmt.Errorf("members differ from an earlier join"))
	}
	l, err := j.attach(task, addr, tun)
	if err != nil {
		return fail(err)
	}
	return l, nil
}

// handle serves an inbound stream: it checks the header, then delivers the
// stream's frames until it ends.
func (s *Service) handle(st network.Stream) {
	remote := st.Conn().RemotePeer()
	log := s.log.With("peer", remote)
	st.SetDeadline(time.Now().Add(handshakeTimeout))
	br := bufio.NewReaderSize(st, bufSize)
	jobID, err := readHeader(br)
	if err != nil {
		log.Debug("jobnet: bad stream header", "err", err)
		st.Reset()
		return
	}
	s.mu.Lock()
	j := s.jobs[jobID]
	s.mu.Unlock()
	if j == nil || !j.addInbound(remote, st) {
		log.Debug("jobnet: refused stream", "job", jobID)
		st.Reset()
		return
	}
	defer j.removeInbound(st)
	if _, err := st.Write([]byte{ackOK}); err != nil {
		st.Reset()
		return
	}
	st.SetDeadline(time.Time{})
	log.Debug("jobnet: accepted stream", "job", jobID, "via", st.Conn().RemoteMultiaddr())

	for {
		p, err := readFrame(br)
		if err != nil {
			st.Reset()
			return
		}
		switch {
		case isIPv4(p):
			j.deliver(remote, p)
		case len(p) > 0 && p[0] == ctlJoined:
			tasks, err := parseJoined(p)
			if err != nil {
				log.Debug("jobnet: bad control message", "job", jobID, "err", err)
				continue
			}
			j.remoteJoined(remote, tasks)
		}
	}
}

func (s *Service) getBuf() *[]byte { return s.bufs.Get().(*[]byte) }

func (s *Service) putBuf(b *[]byte) {
	*b = (*b)[:MTU]
	s.bufs.Put(b)
}

// Addrs are the addresses of the n tasks of job jobID, in task order, as
// Join gives them: known before any task joins, for the tasks' environment
// and /etc/hosts.
func (s *Service) Addrs(jobID string, n int) []netip.Addr {
	subnet := Subnet(s.rng, jobID)
	addrs := make([]netip.Addr, n)
	for i := range addrs {
		addrs[i] = Addr(subnet, i)
	}
	return addrs
}
