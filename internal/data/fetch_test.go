package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// payload is 1 MiB of non-repeating bytes.
func payload() []byte {
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestFetchURL(t *testing.T) {
	body := payload()
	var cutRequests, rangeRequests atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(body))
	})
	// /cut sends the first 300 KiB with the full Content-Length, then drops
	// the connection; Range requests are served properly.
	mux.HandleFunc("/cut", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			rangeRequests.Add(1)
			http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(body))
			return
		}
		cutRequests.Add(1)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		w.Write(body[:300<<10])
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	// /norange cuts like /cut and ignores Range: the fetcher starts over.
	var norange atomic.Int32
	mux.HandleFunc("/norange", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if norange.Add(1) > 1 {
			w.Write(body)
			return
		}
		w.Write(body[:100<<10])
		w.(http.Flusher).Flush()
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	})
	// /chunked streams with no Content-Length.
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(body); i += 64 << 10 {
			w.Write(body[i : i+64<<10])
			w.(http.Flusher).Flush()
		}
	})
	// /stall sends a little, then nothing until the client gives up.
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body[:1000])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	// /stallheaders never answers.
	mux.HandleFunc("/stallheaders", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	tests := []struct {
		name     string
		path     string
		hash     string
		max      int64
		wantErr  error
		wantText string
	}{
		{name: "ok", path: "/ok", hash: sha(body)},
		{name: "no hash check", path: "/ok"},
		{name: "wrong hash", path: "/ok", hash: sha([]byte("other")), wantErr: ErrHashMismatch},
		{name: "not found", path: "/missing", hash: sha(body), wantErr: ErrHTTPStatus, wantText: "404 Not Found"},
		{name: "oversized announced", path: "/ok", hash: sha(body), max: 1000, wantErr: ErrTooLarge, wantText: "announced 1048576 bytes"},
		{name: "oversized chunked", path: "/chunked", hash: sha(body), max: 200 << 10, wantErr: ErrTooLarge},
		{name: "chunked", path: "/chunked", hash: sha(body)},
		{name: "resume after cut", path: "/cut", hash: sha(body)},
		{name: "restart without range support", path: "/norange", hash: sha(body)},
		{name: "stalled body", path: "/stall", hash: sha(body), wantErr: ErrStalled, wantText: "after 1000 bytes"},
		{name: "stalled headers", path: "/stallheaders", hash: sha(body), wantErr: ErrStalled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "f")
			max := tc.max
			if max == 0 {
				max = 4 << 20
			}
			var calls int
			var last [2]int64
			n, err := FetchURL(context.Background(), URLFetch{URL: srv.URL + tc.path, SHA256: tc.hash, MaxBytes: max,
				StallTimeout: 300 * time.Millisecond, Guard: loopbackGuard(t), Progress: func(done, total int64) { calls++; last = [2]int64{done, total} }}, dest)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantText) {
					t.Fatalf("got %v, want %v containing %q", err, tc.wantErr, tc.wantText)
				}
				if _, serr := os.Stat(dest); !os.IsNotExist(serr) {
					t.Fatalf("a failed fetch left %s behind", dest)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(dest)
			if n != int64(len(body)) || !bytes.Equal(got, body) {
				t.Fatalf("got %d bytes (file %d), want %d identical", n, len(got), len(body))
			}
			if calls < 2 || last[0] != int64(len(body)) {
				t.Fatalf("progress: %d calls, last %v", calls, last)
			}
		})
	}
	if cutRequests.Load() != 1 || rangeRequests.Load() != 1 {
		t.Fatalf("resume made %d full and %d range requests, want 1 and 1", cutRequests.Load(), rangeRequests.Load())
	}
}

func TestFetchURLCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := FetchURL(ctx, URLFetch{URL: srv.URL, MaxBytes: 10, StallTimeout: time.Minute, Guard: loopbackGuard(t)}, filepath.Join(t.TempDir(), "f"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's error", err)
	}
}

func TestWriteInline(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "in")
	if err := WriteInline(map[string]string{"a.txt": "A", "sub/deep/b.txt": "B"}, dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"a.txt": "A", "sub/deep/b.txt": "B"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Fatalf("%s: %q %v", name, b, err)
		}
	}
	for _, bad := range []string{"../x", "/etc/x", "a/../../x", "a//b"} {
		if err := WriteInline(map[string]string{bad: "x"}, filepath.Join(t.TempDir(), "in")); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// A symlink planted in the directory cannot lead a write outside it.
	dir2 := filepath.Join(t.TempDir(), "in2")
	outside := t.TempDir()
	os.MkdirAll(dir2, 0o755)
	if err := os.Symlink(outside, filepath.Join(dir2, "link")); err != nil {
		t.Fatal(err)
	}
	if err := WriteInline(map[string]string{"link/x": "x"}, dir2); err == nil {
		t.Fatal("write through a symlink escaping the directory succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "x")); err == nil {
		t.Fatal("file written outside the input directory")
	}
}
