package p2p

import (
	"errors"
	"io"
	"sync"
)

// halfCloser is a connection that can end one direction: a TCP connection
// or a libp2p stream.
type halfCloser interface {
	CloseWrite() error
}

// Pipe copies a to b and b to a until both directions end, then closes
// both. When one side stops sending, the other is told so (CloseWrite)
// and may still answer; an error either way closes both at once. It
// returns the bytes copied each way and the first error that was not a
// plain end of stream.
func Pipe(a, b io.ReadWriteCloser) (aToB, bToA int64, err error) {
	var (
		wg   sync.WaitGroup
		once sync.Once
		errs [2]error
	)
	closeBoth := func() { once.Do(func() { _ = a.Close(); _ = b.Close() }) }
	half := func(dst, src io.ReadWriteCloser, n *int64, e *error) {
		defer wg.Done()
		*n, *e = io.Copy(dst, src)
		if *e != nil {
			closeBoth()
			return
		}
		if hc, ok := dst.(halfCloser); ok {
			if hc.CloseWrite() == nil {
				return
			}
		}
		closeBoth()
	}
	wg.Add(2)
	go half(b, a, &aToB, &errs[0])
	go half(a, b, &bToA, &errs[1])
	wg.Wait()
	closeBoth()
	for _, e := range errs {
		if e != nil && !errors.Is(e, io.EOF) {
			return aToB, bToA, e
		}
	}
	return aToB, bToA, nil
}
