package wasm

import (
	"sync/atomic"

	"github.com/tetratelabs/wazero/experimental"
)

// limitedAllocator backs an execution's linear memory and refuses to grow
// it past limit bytes. A refused grow makes the guest's memory.grow return
// -1 (most runtimes then fail with "out of memory") and is remembered so
// the Result can report OOMKilled.
//
// The runtime-wide ceiling (Config.MaxMemory) is enforced by wazero's
// WithMemoryLimitPages; the per-task limit is enforced here because
// wazero's own limit is fixed per runtime and refused grows are not
// observable there.
type limitedAllocator struct {
	limit   uint64
	refused atomic.Bool
	// size and peak are the linear memory's size now and the most it
	// grew to, in bytes (read by Sample while the guest runs).
	size, peak atomic.Uint64
}

func (a *limitedAllocator) Allocate(capacity, max uint64) experimental.LinearMemory {
	if capacity > a.limit {
		capacity = a.limit
	}
	return &limitedMemory{a: a, buf: make([]byte, 0, capacity)}
}

type limitedMemory struct {
	a    *limitedAllocator
	buf  []byte
	init bool // the initial allocation happened
}

// Reallocate returns the memory resized to size bytes, or nil when size is
// over the limit. The initial allocation is never refused: Start checks a
// module's declared minimum against the limit before instantiating it.
func (m *limitedMemory) Reallocate(size uint64) []byte {
	if size > m.a.limit && m.init {
		m.a.refused.Store(true)
		return nil
	}
	m.init = true
	m.a.size.Store(size)
	if size > m.a.peak.Load() { // one guest goroutine grows it
		m.a.peak.Store(size)
	}
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	// Grow geometrically (bounded by the limit) to keep copies rare.
	newCap := uint64(cap(m.buf)) * 2
	if newCap < size {
		newCap = size
	}
	if newCap > m.a.limit && size <= m.a.limit {
		newCap = m.a.limit
	}
	nb := make([]byte, size, newCap)
	copy(nb, m.buf)
	m.buf = nb
	return m.buf
}

func (m *limitedMemory) Free() { m.buf = nil }

var _ experimental.MemoryAllocator = (*limitedAllocator)(nil)
