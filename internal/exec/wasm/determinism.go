package wasm

import (
	"crypto/sha256"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"sync"
	"time"
)

// Epoch is the wall-clock time every task sees when it starts:
// 2022-01-01T00:00:00Z (the same epoch as wazero's own fake clock).
var Epoch = time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)

// ClockStep is how far a task's virtual clock advances on each reading.
const ClockStep = time.Millisecond

// taskClock is the virtual clock of one execution. It starts at 0
// (nanotime) and Epoch (walltime), advances by ClockStep on every reading of
// either clock and by the requested duration on every sleep; sleeping
// returns at once. Nothing in it depends on the host's time, so the same
// module with the same inputs reads the same times on every run.
type taskClock struct {
	mu  sync.Mutex
	now int64 // virtual nanoseconds since the task started
}

func (c *taskClock) read() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now
	c.now += int64(ClockStep)
	return t
}

func (c *taskClock) walltime() (sec int64, nsec int32) {
	t := Epoch.UnixNano() + c.read()
	return t / 1e9, int32(t % 1e9)
}

func (c *taskClock) nanotime() int64 { return c.read() }

func (c *taskClock) nanosleep(ns int64) {
	if ns <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now += ns
}

// RandomSeed is the seed of the random source a task sees: the SHA-256 of
// "deco/wasm/random/v1", a zero byte, the job ID, a zero byte and the task
// index as 8 big-endian bytes. Every execution of the same task (a retry, a
// validator's re-run) reads the same random bytes; tasks of one job differ.
func RandomSeed(jobID string, taskIndex int) [32]byte {
	h := sha256.New()
	h.Write([]byte("deco/wasm/random/v1\x00"))
	h.Write([]byte(jobID))
	h.Write([]byte{0})
	var idx [8]byte
	binary.BigEndian.PutUint64(idx[:], uint64(taskIndex))
	h.Write(idx[:])
	var seed [32]byte
	h.Sum(seed[:0])
	return seed
}

// randomSource returns the task's random byte stream: ChaCha8 keyed with
// RandomSeed.
func randomSource(jobID string, taskIndex int) io.Reader {
	return rand.NewChaCha8(RandomSeed(jobID, taskIndex))
}
