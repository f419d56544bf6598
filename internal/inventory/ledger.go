package inventory

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/deco-network/deco/internal/job"
)

// Ledger errors.
var (
	// ErrInsufficient is returned when a reservation does not fit in the
	// free capacity.
	ErrInsufficient = errors.New("insufficient capacity")
	// ErrHeld is returned when reserving under an id that already holds
	// capacity.
	ErrHeld = errors.New("already reserved")
	// ErrNotHeld is returned when releasing an id that holds nothing.
	ErrNotHeld = errors.New("not reserved")
)

// Allocation is capacity held by one reservation (typically one execution).
type Allocation struct {
	// ID is the reservation's id, e.g. the execution id.
	ID string `json:"id"`
	// Resources are what was reserved; Resources.GPUs == len(GPUs).
	Resources job.Resources `json:"resources"`
	// GPUs are the UUIDs of the GPUs assigned, all of one vendor.
	GPUs []string `json:"gpus,omitempty"`
	// Vendor is the GPUs' vendor; empty when no GPU was reserved.
	Vendor string `json:"vendor,omitempty"`
}

// Ledger accounts for the provider's share: its total, and what the
// reservations hold. It is safe for concurrent use.
type Ledger struct {
	mu    sync.Mutex
	total job.Resources // total.GPUs is always len(gpus)
	gpus  []GPU
	holds map[string]Allocation
	// gpuHolder maps a held GPU's UUID to the reservation holding it.
	gpuHolder map[string]string
}

// NewLedger returns a ledger for total capacity with the given GPUs; the
// GPU count of total is taken from gpus.
func NewLedger(total job.Resources, gpus []GPU) *Ledger {
	l := &Ledger{holds: map[string]Allocation{}, gpuHolder: map[string]string{}}
	l.setTotal(total, gpus)
	return l
}

// SetTotal replaces the total capacity (the owner changed the share).
// Reservations already held stay held, even when they no longer fit: free
// capacity is then zero until enough of them are released.
func (l *Ledger) SetTotal(total job.Resources, gpus []GPU) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.setTotal(total, gpus)
}

func (l *Ledger) setTotal(total job.Resources, gpus []GPU) {
	l.gpus = slices.Clone(gpus)
	total.Custom = maps.Clone(total.Custom)
	total.GPUs = len(gpus)
	total.GPU = job.GPUSelector{}
	l.total = total
}

// Reserve holds r under id and returns what was assigned. GPUs are chosen
// among the free ones that match r.GPU (vendor exactly, model as a
// case-insensitive substring, at least MinVRAM), all of one vendor: the
// vendor whose smallest sufficient GPUs have the least memory in all, so
// that big GPUs stay free for the tasks that need them. When r does not fit, the error wraps
// ErrInsufficient and says which dimensions are short and by how much.
func (l *Ledger) Reserve(id string, r job.Resources) (Allocation, error) {
	if id == "" {
		return Allocation{}, errors.New("reserve: empty id")
	}
	if r.CPU < 0 || r.Memory < 0 || r.Disk < 0 || r.GPUs < 0 {
		return Allocation{}, fmt.Errorf("reserve %q: negative resources", id)
	}
	if r.GPUs == 0 {
		r.GPU = job.GPUSelector{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.holds[id]; ok {
		return Allocation{}, fmt.Errorf("reserve %q: %w", id, ErrHeld)
	}
	free := l.freeScalars()
	var short []string
	if r.CPU > free.CPU {
		short = append(short, fmt.Sprintf("cpu: asked for %s, %s free, short by %s",
			cores(r.CPU), formatCores(free.CPU), formatCores(r.CPU-free.CPU)))
	}
	if r.Memory > free.Memory {
		short = append(short, fmt.Sprintf("memory: asked for %s, %s free, short by %s",
			formatBytes(r.Memory), formatBytes(free.Memory), formatBytes(r.Memory-free.Memory)))
	}
	if r.Disk > free.Disk {
		short = append(short, fmt.Sprintf("disk: asked for %s, %s free, short by %s",
			formatBytes(r.Disk), formatBytes(free.Disk), formatBytes(r.Disk-free.Disk)))
	}
	for _, name := range slices.Sorted(maps.Keys(r.Custom)) {
		if n := r.Custom[name]; n < 0 {
			return Allocation{}, fmt.Errorf("reserve %q: negative %s", id, name)
		} else if n > free.Custom[name] {
			short = append(short, fmt.Sprintf("%s: asked for %d, %d free, short by %d", name, n, free.Custom[name], n-free.Custom[name]))
		}
	}
	var chosen []GPU
	if r.GPUs > 0 {
		var msg string
		chosen, msg = l.chooseGPUs(r.GPUs, r.GPU)
		if chosen == nil {
			short = append(short, msg)
		}
	}
	if len(short) > 0 {
		return Allocation{}, fmt.Errorf("reserve %q: %w: %s", id, ErrInsufficient, strings.Join(short, "; "))
	}
	a := Allocation{ID: id, Resources: r}
	for _, g := range chosen {
		a.GPUs = append(a.GPUs, g.UUID)
		a.Vendor = g.Vendor
		l.gpuHolder[g.UUID] = id
	}
	l.holds[id] = a
	return cloneAllocation(a), nil
}

// chooseGPUs picks n free GPUs matching sel, all of one vendor; or returns
// nil and why not.
func (l *Ledger) chooseGPUs(n int, sel job.GPUSelector) ([]GPU, string) {
	byVendor := map[string][]GPU{}
	matching := 0
	for _, g := range l.gpus {
		if !sel.Matches(g.Vendor, g.Model, g.VRAM) {
			continue
		}
		matching++
		if _, held := l.gpuHolder[g.UUID]; !held {
			byVendor[g.Vendor] = append(byVendor[g.Vendor], g)
		}
	}
	best := 0
	var pick []GPU
	var pickVRAM job.ByteSize
	for _, v := range slices.Sorted(maps.Keys(byVendor)) {
		free := byVendor[v]
		best = max(best, len(free))
		if len(free) < n {
			continue
		}
		slices.SortStableFunc(free, func(a, b GPU) int { return cmp.Compare(a.VRAM, b.VRAM) })
		var vram job.ByteSize
		for _, g := range free[:n] {
			vram += g.VRAM
		}
		if pick == nil || vram < pickVRAM {
			pick, pickVRAM = free[:n], vram
		}
	}
	if pick != nil {
		return pick, ""
	}
	what := "GPU(s)"
	if sel != (job.GPUSelector{}) {
		what += " (" + sel.String() + ")"
	}
	if matching == 0 {
		return nil, fmt.Sprintf("gpu: asked for %d %s, none of the %d GPUs match", n, what, len(l.gpus))
	}
	return nil, fmt.Sprintf("gpu: asked for %d %s, %d free of %d matching, short by %d", n, what, best, matching, n-best)
}

// Release returns what id holds to the free capacity.
func (l *Ledger) Release(id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.holds[id]
	if !ok {
		return fmt.Errorf("release %q: %w", id, ErrNotHeld)
	}
	for _, u := range a.GPUs {
		delete(l.gpuHolder, u)
	}
	delete(l.holds, id)
	return nil
}

// Free returns the capacity not held: the total minus what reservations
// hold (never below zero on any dimension), and the free GPUs in the
// total's order.
func (l *Ledger) Free() (job.Resources, []GPU) {
	l.mu.Lock()
	defer l.mu.Unlock()
	free := l.freeScalars()
	var gpus []GPU
	for _, g := range l.gpus {
		if _, held := l.gpuHolder[g.UUID]; !held {
			gpus = append(gpus, g)
		}
	}
	free.GPUs = len(gpus)
	return free, gpus
}

// freeScalars is total minus held on CPU, memory and disk, floored at zero.
func (l *Ledger) freeScalars() job.Resources {
	var held job.Resources
	for _, a := range l.holds {
		held = held.Add(a.Resources)
	}
	free := job.Resources{
		CPU:    max(l.total.CPU-held.CPU, 0),
		Memory: max(l.total.Memory-held.Memory, 0),
		Disk:   max(l.total.Disk-held.Disk, 0),
	}
	if len(l.total.Custom) > 0 {
		free.Custom = make(map[string]int64, len(l.total.Custom))
		for name, n := range l.total.Custom {
			free.Custom[name] = max(n-held.Custom[name], 0)
		}
	}
	return free
}

// Total returns the total capacity and its GPUs.
func (l *Ledger) Total() (job.Resources, []GPU) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.total
	t.Custom = maps.Clone(t.Custom)
	return t, slices.Clone(l.gpus)
}

// Holds returns what each reservation holds, by id.
func (l *Ledger) Holds() map[string]job.Resources {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]job.Resources, len(l.holds))
	for id, a := range l.holds {
		out[id] = a.Resources
	}
	return out
}

// Allocation returns the allocation held under id.
func (l *Ledger) Allocation(id string) (Allocation, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.holds[id]
	return cloneAllocation(a), ok
}

func cloneAllocation(a Allocation) Allocation {
	a.GPUs = slices.Clone(a.GPUs)
	return a
}
