package telemetry

import (
	"sync"
	"time"
)

// Sample is one reading of an execution's use.
type Sample struct {
	At time.Time
	// CPU is the cumulative CPU time of the execution's processes (its
	// cgroup's), zero when the executor cannot tell.
	CPU time.Duration
	// Memory is the memory charged to the execution now, in bytes.
	Memory uint64
	// MemoryPeak is the most memory the executor saw charged to the
	// execution so far (the cgroup's high-water mark where the engine
	// gives one), in bytes; zero when unknown.
	MemoryPeak uint64
	// GPUs are the readings of the execution's GPUs.
	GPUs []GPUReading
}

// GPUReading is one GPU's state at a sample.
type GPUReading struct {
	// UUID is nvidia-smi's GPU UUID.
	UUID string `json:"uuid"`
	// Utilization is the percentage of the last sample period in which a
	// kernel ran on the GPU (0 to 100).
	Utilization float64 `json:"utilization"`
	// Memory is the GPU memory in use, in bytes.
	Memory uint64 `json:"memory"`
}

// Totals are an execution's cumulative figures, as its usage reports
// carry them. Every field only grows from one sample to the next.
type Totals struct {
	// CPU is the cumulative CPU time.
	CPU time.Duration
	// MemoryPeak is the highest memory seen, in bytes.
	MemoryPeak uint64
	// GPU is the cumulative GPU busy time, summed over the execution's
	// GPUs: each period between samples counts for its length times the
	// GPU's utilisation.
	GPU time.Duration
	// GPUMemoryPeak is the highest GPU memory in use seen, summed over
	// the execution's GPUs, in bytes.
	GPUMemoryPeak uint64
}

// Meter folds one execution's samples into its Totals. The zero value is
// ready; it is not safe for concurrent use (Meters is).
type Meter struct {
	totals Totals
	last   Sample
	seen   bool
}

// Add folds s in and returns the totals so far. A sample older than the
// last one is ignored; a figure lower than before (an engine that reads
// zero once the sandbox has stopped) leaves the total as it was.
func (m *Meter) Add(s Sample) Totals {
	if m.seen && s.At.Before(m.last.At) {
		return m.totals
	}
	t := &m.totals
	t.CPU = max(t.CPU, s.CPU)
	t.MemoryPeak = max(t.MemoryPeak, s.Memory, s.MemoryPeak)
	var gpuMem uint64
	for _, g := range s.GPUs {
		gpuMem += g.Memory
	}
	t.GPUMemoryPeak = max(t.GPUMemoryPeak, gpuMem)
	if m.seen && len(s.GPUs) > 0 {
		// The utilisation nvidia-smi reports covers the period just
		// before the reading: charge it to the time since the last one.
		dt := s.At.Sub(m.last.At)
		for _, g := range s.GPUs {
			u := min(max(g.Utilization, 0), 100)
			t.GPU += time.Duration(float64(dt) * u / 100)
		}
	}
	m.last, m.seen = s, true
	return m.totals
}

// Totals are the totals so far.
func (m *Meter) Totals() Totals { return m.totals }

// Last is the latest sample folded in (zero when none).
func (m *Meter) Last() Sample { return m.last }

// Meters are the meters of a provider's running executions, safe for
// concurrent use. It also keeps the CPU and GPU time of every execution
// it has metered since it was made, for the node's counters.
type Meters struct {
	mu       sync.Mutex
	running  map[string]*Meter
	cpuTotal time.Duration
	gpuTotal time.Duration
}

// NewMeters returns an empty set of meters.
func NewMeters() *Meters { return &Meters{running: map[string]*Meter{}} }

// Add folds a sample of execution id in (starting its meter) and returns
// its totals so far.
func (ms *Meters) Add(id string, s Sample) Totals {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	m := ms.running[id]
	if m == nil {
		m = &Meter{}
		ms.running[id] = m
	}
	before := m.totals
	after := m.Add(s)
	ms.cpuTotal += after.CPU - before.CPU
	ms.gpuTotal += after.GPU - before.GPU
	return after
}

// Seed starts execution id's meter from totals already reported (an
// execution reattached after the daemon restarted): its next reports never
// state less. Totals it holds already only grow.
func (ms *Meters) Seed(id string, t Totals) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	m := ms.running[id]
	if m == nil {
		m = &Meter{}
		ms.running[id] = m
	}
	c := &m.totals
	c.CPU, c.MemoryPeak = max(c.CPU, t.CPU), max(c.MemoryPeak, t.MemoryPeak)
	c.GPU, c.GPUMemoryPeak = max(c.GPU, t.GPU), max(c.GPUMemoryPeak, t.GPUMemoryPeak)
}

// Totals are execution id's totals so far (zero when it has no meter).
func (ms *Meters) Totals(id string) Totals {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if m := ms.running[id]; m != nil {
		return m.totals
	}
	return Totals{}
}

// End forgets execution id's meter and returns its final totals.
func (ms *Meters) End(id string) Totals {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	m := ms.running[id]
	delete(ms.running, id)
	if m == nil {
		return Totals{}
	}
	return m.totals
}

// Now is what the running executions use at their latest samples.
type Now struct {
	// Executions is the number of executions metered.
	Executions int
	// Memory is the sum of their memory, in bytes.
	Memory uint64
	// GPUs are the latest reading of each of their GPUs.
	GPUs []GPUReading
	// CPU and GPU are the CPU and GPU time of every execution metered
	// since the Meters were made (running or ended).
	CPU, GPU time.Duration
}

// Now sums the latest samples of the running executions.
func (ms *Meters) Now() Now {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	n := Now{Executions: len(ms.running), CPU: ms.cpuTotal, GPU: ms.gpuTotal}
	for _, m := range ms.running {
		n.Memory += m.last.Memory
		n.GPUs = append(n.GPUs, m.last.GPUs...)
	}
	return n
}
