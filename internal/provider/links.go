package provider

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/jobnet"
	"github.com/deco-network/deco/internal/market"
)

// linkBarrier bounds how long a linked task waits for the job's other
// tasks to join the job network (each may still be fetching its image and
// inputs) before it fails.
const linkBarrier = 5 * time.Minute

// members checks and decodes the providers of a linked job's tasks: one
// per task, valid peer IDs, this provider among them at the task's index.
func (p *Provider) members(req *market.TaskRequest) ([]peer.ID, error) {
	if n := req.Spec.TaskCount(); len(req.Members) != n {
		return nil, fmt.Errorf("a job with links names the provider of each of its %d tasks, got %d", n, len(req.Members))
	}
	ids := make([]peer.ID, len(req.Members))
	for i, m := range req.Members {
		id, err := peer.Decode(m)
		if err != nil {
			return nil, fmt.Errorf("members[%d]: %w", i, err)
		}
		ids[i] = id
	}
	if ids[req.TaskIndex].String() != p.cfg.Key.PeerID() {
		return nil, fmt.Errorf("members[%d] is %s, not this provider", req.TaskIndex, ids[req.TaskIndex])
	}
	return ids, nil
}

// networkKey names the job network of req's attempt: the job ID for a
// gang's first attempt, the job ID and the attempt after a restart, so that
// a provider that ran a task of the earlier attempt never joins the new
// one to it (its subnet, derived from the key, differs too).
func networkKey(req *market.TaskRequest) string {
	if req.Attempt <= 1 {
		return req.JobID
	}
	return fmt.Sprintf("%s/%d", req.JobID, req.Attempt)
}

// linkTask gives task t of req its job network: the addresses in its
// environment and /etc/hosts now, the interface when the executor attaches
// its sandbox. The returned func closes the link once the task has ended.
func (p *Provider) linkTask(req *market.TaskRequest, t *exec.Task) (func(), error) {
	members, err := p.members(req)
	if err != nil {
		return nil, err
	}
	key := networkKey(req)
	addrs := p.cfg.JobNet.Addrs(key, len(members))
	names := make([]string, len(addrs))
	t.Hosts = make(map[string]string, len(addrs))
	for i, a := range addrs {
		names[i] = a.String()
		t.Hosts[fmt.Sprintf("task-%d", i)] = names[i]
	}
	job.LinkEnv(t.Spec.Env, names, jobnet.Interface)
	a := &attacher{net: p.cfg.JobNet, job: key, task: req.TaskIndex, members: members}
	t.Links = a
	return a.close, nil
}

// attacher joins a linked task's sandbox to its job network and holds it
// there until every task of the job has joined.
type attacher struct {
	net     *jobnet.Service
	job     string
	task    int
	members []peer.ID

	mu   sync.Mutex
	link *jobnet.Link
}

func (a *attacher) Attach(ctx context.Context, netns string) error {
	l, err := a.net.Join(ctx, a.job, a.task, a.members, netns)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.link = l
	a.mu.Unlock()
	rctx, cancel := context.WithTimeout(ctx, linkBarrier)
	defer cancel()
	if err := l.Ready(rctx); err != nil {
		return fmt.Errorf("waiting for the job's other tasks to join its network (up to %s): %w", linkBarrier, err)
	}
	return nil
}

func (a *attacher) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.link != nil {
		_ = a.link.Close()
	}
}
