package job

// State is where a job (on the requester) or an execution (on the provider)
// is in its life. The same names are used for both so the requester can
// mirror what the provider reports.
type State string

// The states. Terminal states are Completed, Failed, Cancelled and Lost.
const (
	// StatePending: accepted and being placed on a provider (again, after
	// an attempt was lost).
	StatePending State = "pending"
	// StateQueued: no provider fits now; waiting for one until the queue
	// timeout.
	StateQueued State = "queued"
	// StatePreparing: a provider accepted it and is fetching the image.
	StatePreparing State = "preparing"
	// StateRunning: the sandbox is running.
	StateRunning State = "running"
	// StateVerifying: the task ended and its result is being checked
	// against its validators' (a job whose verification policy is not
	// none).
	StateVerifying State = "verifying"
	// StateCompleted: the task exited 0 and its outputs arrived intact.
	StateCompleted State = "completed"
	// StateFailed: non-zero exit, timeout, placement or transfer failure.
	StateFailed State = "failed"
	// StateCancelled: the requester cancelled it.
	StateCancelled State = "cancelled"
	// StateLost: the execution died with an earlier run of its daemon.
	StateLost State = "lost"
)

// Terminal reports whether no further transition can happen.
func (s State) Terminal() bool {
	switch s {
	case StateCompleted, StateFailed, StateCancelled, StateLost:
		return true
	}
	return false
}
