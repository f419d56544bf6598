package jobnet

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"sync"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// job is the state of one job that has a task joined on this provider.
type job struct {
	svc     *Service
	id      string
	subnet  netip.Prefix
	members []peer.ID
	self    peer.ID
	log     *slog.Logger
	senders map[peer.ID]*sender // one per remote provider; fixed at creation
	cancel  context.CancelFunc  // stops the senders
	wg      sync.WaitGroup      // senders and inbound streams

	mu      sync.RWMutex
	links   []*Link // by task; nil where the task has no live link here
	nlinks  int
	joined  []bool // by task: the task's interface is up
	njoined int
	ready   chan struct{} // closed once every task has joined
	inbound map[network.Stream]struct{}
	closed  bool
}

// newJob creates job id's state and starts its senders. s.mu must be held.
func (s *Service) newJob(id string, subnet netip.Prefix, members []peer.ID) *job {
	ctx, cancel := context.WithCancel(context.Background())
	j := &job{
		svc:     s,
		id:      id,
		subnet:  subnet,
		members: slices.Clone(members),
		self:    s.host.ID(),
		log:     s.log.With("job", id),
		senders: map[peer.ID]*sender{},
		cancel:  cancel,
		links:   make([]*Link, len(members)),
		joined:  make([]bool, len(members)),
		ready:   make(chan struct{}),
		inbound: map[network.Stream]struct{}{},
	}
	for _, p := range members {
		if p == j.self || j.senders[p] != nil {
			continue
		}
		sn := &sender{j: j, peer: p, log: j.log.With("peer", p),
			queue: make(chan *[]byte, queueLen), announce: make(chan struct{}, 1)}
		j.senders[p] = sn
		j.wg.Add(1)
		go sn.run(ctx)
	}
	return j
}

// attach registers a link for local task task and starts forwarding its
// packets.
func (j *job) attach(task int, addr netip.Addr, tun *os.File) (*Link, error) {
	j.mu.Lock()
	if j.links[task] != nil {
		j.mu.Unlock()
		return nil, errors.New("task already joined")
	}
	l := &Link{j: j, task: task, addr: addr, tun: tun, done: make(chan struct{})}
	j.links[task] = l
	j.nlinks++
	j.markJoined(task)
	j.mu.Unlock()
	l.wg.Add(1)
	go l.run()
	for _, sn := range j.senders {
		sn.poke()
	}
	j.log.Info("jobnet: task joined", "task", task, "addr", addr)
	return l, nil
}

// detach removes l. When it was the job's last link it also forgets the
// job, resets its inbound streams and stops its senders.
func (j *job) detach(l *Link) {
	j.svc.mu.Lock()
	j.mu.Lock()
	if j.links[l.task] == l {
		j.links[l.task] = nil
		j.nlinks--
	}
	last := j.nlinks == 0 && !j.closed
	var inbound []network.Stream
	if last {
		j.closed = true
		if j.svc.jobs[j.id] == j {
			delete(j.svc.jobs, j.id)
		}
		for st := range j.inbound {
			inbound = append(inbound, st)
		}
	}
	j.mu.Unlock()
	j.svc.mu.Unlock()
	if !last {
		return
	}
	j.cancel()
	for _, st := range inbound {
		st.Reset()
	}
	j.wg.Wait()
	j.log.Info("jobnet: job left")
}

// markJoined records that task's interface is up. j.mu must be held.
func (j *job) markJoined(task int) {
	if j.joined[task] {
		return
	}
	j.joined[task] = true
	j.njoined++
	if j.njoined == len(j.joined) {
		close(j.ready)
	}
}

// remoteJoined records tasks announced by remote, ignoring any it does not run.
func (j *job) remoteJoined(remote peer.ID, tasks []int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, t := range tasks {
		if t < 0 || t >= len(j.members) || j.members[t] != remote {
			j.log.Debug("jobnet: ignored join announcement", "peer", remote, "task", t)
			continue
		}
		j.markJoined(t)
	}
}

// localJoined lists the tasks that have joined on this provider.
func (j *job) localJoined() []int {
	j.mu.RLock()
	defer j.mu.RUnlock()
	var tasks []int
	for t, ok := range j.joined {
		if ok && j.members[t] == j.self {
			tasks = append(tasks, t)
		}
	}
	return tasks
}

// activeLinks lists the job's live links.
func (j *job) activeLinks() []*Link {
	j.mu.RLock()
	defer j.mu.RUnlock()
	var ls []*Link
	for _, l := range j.links {
		if l != nil {
			ls = append(ls, l)
		}
	}
	return ls
}

func (j *job) link(task int) *Link {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return j.links[task]
}

// addInbound registers an inbound stream from remote, if remote runs a task
// of the job and the job is still open.
func (j *job) addInbound(remote peer.ID, st network.Stream) bool {
	if remote == j.self || !slices.Contains(j.members, remote) {
		return false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return false
	}
	j.inbound[st] = struct{}{}
	j.wg.Add(1)
	return true
}

func (j *job) removeInbound(st network.Stream) {
	j.mu.Lock()
	delete(j.inbound, st)
	j.mu.Unlock()
	j.wg.Done()
}

// route forwards packet *bp, read from local link from, and takes ownership
// of bp.
func (j *job) route(from *Link, bp *[]byte) {
	src, dst, ok := ipv4Addrs(*bp)
	task, isTask := taskOf(j.subnet, dst)
	switch {
	case !ok || src != from.addr || !isTask || task >= len(j.members) || task == from.task:
	case j.members[task] == j.self:
		if l := j.link(task); l != nil {
			l.write(*bp)
		}
	default:
		j.senders[j.members[task]].enqueue(bp)
		return
	}
	j.svc.putBuf(bp)
}

// deliver writes packet p, received from remote, to its local destination
// if remote runs the task p comes from and p's destination is a task here.
func (j *job) deliver(remote peer.ID, p []byte) {
	src, dst, _ := ipv4Addrs(p)
	from, ok1 := taskOf(j.subnet, src)
	to, ok2 := taskOf(j.subnet, dst)
	if !ok1 || !ok2 || from >= len(j.members) || to >= len(j.members) ||
		j.members[from] != remote || j.members[to] != j.self {
		return
	}
	if l := j.link(to); l != nil {
		l.write(p)
	}
}
