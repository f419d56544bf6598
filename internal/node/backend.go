package node

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"sort"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/provider"
	"github.com/deco-network/deco/internal/store"
)

// backend adapts the node to what the REST API needs.
type backend struct{ n *Node }

func (b backend) Identity() api.Identity {
	return api.Identity{PeerID: b.n.PeerID(), Address: b.n.Address().String(), Addrs: b.n.Addrs(), Version: b.n.cfg.Version,
		ThrowawayKey: b.n.cfg.ThrowawayKey}
}

func (b backend) Peers() []api.Peer {
	var out []api.Peer
	for _, p := range b.n.host.Peers() {
		_, has := b.n.catalog.Get(p.ID.String())
		out = append(out, api.Peer{ID: p.ID.String(), Addrs: p.Addrs, Connected: p.Connected, Latency: p.Latency, HasOffer: has})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (b backend) Offers() []offer.Offer { return b.n.catalog.List() }

func (b backend) Submit(ctx context.Context, spec job.Spec) (store.Job, error) {
	return b.n.requester.Submit(ctx, spec)
}

func (b backend) Jobs(ctx context.Context, state job.State, limit int) ([]store.Job, error) {
	return b.n.store.ListJobs(ctx, state, limit)
}

func (b backend) Job(ctx context.Context, id string) (api.JobDetail, error) {
	j, err := b.n.store.FindJob(ctx, id)
	if err != nil {
		return api.JobDetail{}, err
	}
	td, err := b.detail(ctx, j)
	d := api.JobDetail{TaskDetail: td}
	if err != nil {
		return d, err
	}
	tasks, err := b.n.store.Tasks(ctx, j.ID)
	if err != nil {
		return d, err
	}
	for _, t := range tasks {
		td, err := b.detail(ctx, t)
		if err != nil {
			return d, err
		}
		td.Verification = b.verification(ctx, t.ID)
		d.Tasks = append(d.Tasks, td)
	}
	vals, err := b.n.store.Validators(ctx, j.ID) // a multi-task job's: every task's
	if err != nil {
		return d, err
	}
	for _, v := range vals {
		td, err := b.detail(ctx, v)
		if err != nil {
			return d, err
		}
		d.Validators = append(d.Validators, td)
	}
	d.Verification = b.verification(ctx, j.ID)
	return d, nil
}

// verification is the verification record of job or task row id (nil
// when none: a multi-task job's are its tasks').
func (b backend) verification(ctx context.Context, id string) json.RawMessage {
	body, err := b.n.store.GetVerification(ctx, id)
	if err != nil {
		return nil
	}
	return body
}

// detail is j with its events, attempts, usage and vouchers.
func (b backend) detail(ctx context.Context, j store.Job) (api.TaskDetail, error) {
	evs, err := b.n.store.Events(ctx, j.ID)
	if err != nil {
		return api.TaskDetail{}, err
	}
	attempts, err := b.n.store.Attempts(ctx, j.ID)
	if err != nil {
		return api.TaskDetail{}, err
	}
	d := api.TaskDetail{Job: j, Events: evs, Attempts: attempts}
	if j.ExecutionID != "" {
		if d.Usage, err = b.n.store.Usages(ctx, store.RoleRequester, j.ExecutionID); err != nil {
			return d, err
		}
		if d.Vouchers, err = b.n.store.Vouchers(ctx, store.RoleRequester, j.ExecutionID); err != nil {
			return d, err
		}
	}
	for _, a := range attempts {
		if a.ExecutionID == "" || a.ExecutionID == j.ExecutionID {
			continue
		}
		us, err := b.n.store.Usages(ctx, store.RoleRequester, a.ExecutionID)
		if err != nil {
			return d, err
		}
		vs, err := b.n.store.Vouchers(ctx, store.RoleRequester, a.ExecutionID)
		if err != nil {
			return d, err
		}
		d.EarlierUsage, d.EarlierVouchers = append(d.EarlierUsage, us...), append(d.EarlierVouchers, vs...)
	}
	if j.Spec.TimeLocked() {
		wire := j.ID // the job ID the deal names: a multi-task job's, for its tasks
		if j.Parent != "" {
			wire = j.Parent
		}
		ts, err := b.n.store.JobTimeLocks(ctx, store.RoleRequester, wire)
		if err != nil {
			return d, err
		}
		for _, t := range ts { // a multi-task job's rows are its tasks'
			if t.Execution == j.ExecutionID || slices.ContainsFunc(attempts, func(a store.Attempt) bool { return a.ExecutionID == t.Execution }) {
				d.TimeLock = append(d.TimeLock, t)
			}
		}
	}
	return d, nil
}

func (b backend) JobID(ctx context.Context, prefix string) (string, error) {
	j, err := b.n.store.FindJob(ctx, prefix)
	return j.ID, err
}

func (b backend) Logs(ctx context.Context, id string, task int, follow bool, w io.Writer) error {
	if task >= 0 {
		return b.n.requester.TaskLogs(ctx, id, task, follow, w)
	}
	return b.n.requester.Logs(ctx, id, follow, w)
}

func (b backend) Cancel(ctx context.Context, id string) error {
	j, err := b.n.store.FindJob(ctx, id)
	if err != nil {
		return err
	}
	return b.n.requester.Cancel(ctx, j.ID)
}

func (b backend) Forward(ctx context.Context, id string, task int, port string) (io.ReadWriteCloser, error) {
	return b.n.requester.Forward(ctx, id, task, port)
}

func (b backend) Outputs(ctx context.Context, id string) (string, string, error) {
	j, err := b.n.store.FindJob(ctx, id)
	if err != nil {
		return "", "", err
	}
	if j.ResultDigest == "" {
		return "", "", errors.Join(api.ErrNoOutputs, errors.New("job is "+string(j.State)))
	}
	return b.n.requester.OutputsDir(j.ID), j.ResultDigest, nil
}

func (b backend) Onboarding(ctx context.Context) (api.OnboardingView, error) {
	var cur provider.Policy
	if ob := b.n.provider.Onboarding(); ob != nil {
		cur = ob.Policy
	}
	m, warnings, err := b.n.detectFor(ctx, cur)
	if err != nil {
		return api.OnboardingView{}, err
	}
	return api.OnboardingView{Machine: m, Warnings: warnings, Default: m.DefaultShare(), Current: b.n.provider.Onboarding()}, nil
}

func (b backend) Onboard(ctx context.Context, p provider.Policy) (provider.Onboarding, error) {
	m, _, err := b.n.detectFor(ctx, p)
	if err != nil {
		return provider.Onboarding{}, err
	}
	ob := provider.Onboarding{Machine: m, Policy: p}
	return ob, b.n.provider.SetOnboarding(ctx, ob)
}

func (b backend) Offboard(ctx context.Context) error { return b.n.provider.Offboard(ctx) }

// detectFor inspects the machine for a policy: its custom resources are
// counted by the policy's commands, or, without one, as the share
// declares them.
func (n *Node) detectFor(ctx context.Context, p provider.Policy) (inventory.Machine, []string, error) {
	m, warnings, err := inventory.Detect(ctx, inventory.Options{DataDir: n.cfg.DataDir, Custom: p.CustomCommands})
	if err != nil {
		return m, warnings, err
	}
	for name, count := range p.Share.Custom {
		if _, counted := p.CustomCommands[name]; !counted {
			if m.Custom == nil {
				m.Custom = map[string]int64{}
			}
			m.Custom[name] = count
		}
	}
	return m, warnings, nil
}

// Detect inspects the machine (CPU, memory, the data directory's disk, GPUs).
func (n *Node) Detect(ctx context.Context) (inventory.Machine, []string, error) {
	return inventory.Detect(ctx, inventory.Options{DataDir: n.cfg.DataDir})
}
