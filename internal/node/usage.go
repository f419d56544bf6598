package node

import (
	"context"
	"errors"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/store"
)

// Usage is the measured use of job prefix's executions: the signed
// reports this node accepted for them as the requester, and the samples it
// took as their provider (a job this node only ran is found by its full ID).
func (b backend) Usage(ctx context.Context, prefix string) (api.JobUsage, error) {
	id, err := b.JobID(ctx, prefix)
	known := err == nil
	if errors.Is(err, store.ErrNotFound) {
		id, err = prefix, nil
	}
	if err != nil {
		return api.JobUsage{}, err
	}
	reports, err := b.n.store.JobUsages(ctx, store.RoleRequester, id)
	if err != nil {
		return api.JobUsage{}, err
	}
	samples, err := b.n.store.UsageSamples(ctx, id)
	if err != nil {
		return api.JobUsage{}, err
	}
	if !known && len(samples) == 0 {
		return api.JobUsage{}, store.ErrNotFound
	}
	out := api.JobUsage{JobID: id, Executions: []api.ExecutionUsage{}}
	at := map[string]int{}
	get := func(execution string, task int) *api.ExecutionUsage {
		i, ok := at[execution]
		if !ok {
			i = len(out.Executions)
			at[execution] = i
			out.Executions = append(out.Executions, api.ExecutionUsage{Execution: execution, TaskIndex: task,
				Reports: []store.Usage{}, Samples: []store.UsageSample{}})
		}
		return &out.Executions[i]
	}
	tasks := map[string]int{} // task row ID -> task index
	for _, u := range reports {
		task, ok := tasks[u.JobID]
		if !ok {
			if j, err := b.n.store.GetJob(ctx, u.JobID); err == nil {
				task = j.TaskIndex
			}
			tasks[u.JobID] = task
		}
		e := get(u.Report.Execution, task)
		e.Reports = append(e.Reports, u)
	}
	for _, s := range samples {
		e := get(s.Execution, s.TaskIndex)
		e.Samples = append(e.Samples, s)
	}
	return out, nil
}
