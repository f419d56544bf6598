package wasm

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

func TestLogBufferFollow(t *testing.T) {
	b := newLogBuffer(1 << 10)
	b.Write([]byte("one\n"))
	r := b.reader(context.Background(), true)
	defer r.Close()

	got := make(chan string, 1)
	go func() {
		all, err := io.ReadAll(r)
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		got <- string(all)
	}()
	b.Write([]byte("two\n"))
	select {
	case s := <-got:
		t.Fatalf("a following reader ended before the buffer closed: %q", s)
	case <-time.After(50 * time.Millisecond):
	}
	b.close()
	select {
	case s := <-got:
		if s != "one\ntwo\n" {
			t.Fatalf("followed %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a following reader did not end when the buffer closed")
	}
	b.Write([]byte("late\n"))
	if all, _ := io.ReadAll(b.reader(context.Background(), false)); string(all) != "one\ntwo\n" {
		t.Fatalf("write after close kept: %q", all)
	}
}

func TestLogBufferReaderEnds(t *testing.T) {
	tests := []struct {
		name string
		stop func(cancel context.CancelFunc, r io.ReadCloser)
		want error
	}{
		{name: "ctx cancelled", stop: func(cancel context.CancelFunc, _ io.ReadCloser) { cancel() }, want: context.Canceled},
		{name: "reader closed", stop: func(_ context.CancelFunc, r io.ReadCloser) { r.Close() }, want: io.ErrClosedPipe},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newLogBuffer(16)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := b.reader(ctx, true)
			errc := make(chan error, 1)
			go func() { _, err := io.ReadAll(r); errc <- err }()
			tt.stop(cancel, r)
			select {
			case err := <-errc:
				if !errors.Is(err, tt.want) {
					t.Fatalf("read ended with %v, want %v", err, tt.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("reader did not end")
			}
		})
	}
}

func TestLogBufferNoFollow(t *testing.T) {
	b := newLogBuffer(16)
	b.Write([]byte("now"))
	all, err := io.ReadAll(b.reader(context.Background(), false))
	if err != nil || string(all) != "now" {
		t.Fatalf("%q, %v", all, err)
	}
}
