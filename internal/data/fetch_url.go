package data

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Errors of the input fetchers.
var (
	// ErrHashMismatch: the fetched bytes do not have the expected SHA-256.
	ErrHashMismatch = errors.New("sha256 mismatch")
	// ErrTooLarge: the input is larger than its size cap.
	ErrTooLarge = errors.New("input larger than its size cap")
	// ErrStalled: the server sent no bytes for the stall timeout.
	ErrStalled = errors.New("download stalled")
	// ErrHTTPStatus: the server answered with an error status.
	ErrHTTPStatus = errors.New("http error")
)

// maxAttempts bounds the requests of one download: an interrupted body is
// resumed with a Range request from where it stopped.
const maxAttempts = 5

// Progress is told the bytes fetched so far and the total (-1 when
// unknown). It is called often; throttle in the callback.
type Progress func(done, total int64)

// URLFetch is one http(s) download. Zero values of the optional fields are
// sensible defaults.
type URLFetch struct {
	// URL is the http or https address.
	URL string
	// SHA256 is the expected hex SHA-256; empty skips the check (the spec
	// opted out).
	SHA256 string
	// MaxBytes caps the download; it must be positive.
	MaxBytes int64
	// StallTimeout fails the download when no byte arrives for this long
	// (default 30 s), waiting for response headers included.
	StallTimeout time.Duration
	// Progress, when set, is told how far the download is.
	Progress Progress
	// Guard decides which addresses the download may connect to (nil: a
	// Guard with the default HostPolicy, which refuses this host and its
	// local network).
	Guard *Guard
}

// FetchURL downloads f.URL into the file dest (created or truncated),
// resuming an interrupted body with Range requests, enforcing the size cap
// and the stall timeout, and checking the SHA-256. On error dest is
// removed. It returns the file's size.
func FetchURL(ctx context.Context, f URLFetch, dest string) (int64, error) {
	if f.MaxBytes <= 0 {
		return 0, errors.New("fetch url: MaxBytes must be positive")
	}
	if f.StallTimeout <= 0 {
		f.StallTimeout = 30 * time.Second
	}
	if f.Guard == nil {
		g, err := NewGuard(HostPolicy{})
		if err != nil {
			return 0, err
		}
		f.Guard = g
	}
	out, err := os.OpenFile(dest, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, fmt.Errorf("fetch %s: %w", f.URL, err)
	}
	// No overall client timeout: the stall timeout bounds each wait.
	d := &download{f: f, client: f.Guard.Client(), out: out, h: sha256.New(), total: -1}
	n, err := d.run(ctx)
	if cerr := out.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(dest)
		return 0, fmt.Errorf("fetch %s: %w", f.URL, refusal(err))
	}
	return n, nil
}

type download struct {
	f      URLFetch
	client *http.Client
	out    *os.File
	h      hash.Hash
	done   int64
	total  int64
}

func (d *download) run(ctx context.Context) (int64, error) {
	var lastErr error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		complete, err := d.attempt(ctx)
		if err == nil && complete {
			return d.done, d.check()
		}
		if err != nil && !errors.Is(err, errInterrupted) {
			return d.done, err
		}
		lastErr = err
	}
	return d.done, fmt.Errorf("gave up after %d attempts, %d of %d bytes: %w", maxAttempts, d.done, d.total, lastErr)
}

func (d *download) check() error {
	if d.total >= 0 && d.done != d.total {
		return fmt.Errorf("got %d bytes, the server announced %d", d.done, d.total)
	}
	if d.f.SHA256 == "" {
		return nil
	}
	got := hex.EncodeToString(d.h.Sum(nil))
	if !strings.EqualFold(got, d.f.SHA256) {
		return fmt.Errorf("%w: got %s, want %s", ErrHashMismatch, got, d.f.SHA256)
	}
	return nil
}

// errInterrupted marks a body that ended early: the next attempt resumes.
var errInterrupted = errors.New("body interrupted")

// restart drops what was fetched (the server ignored the Range request).
func (d *download) restart() error {
	if _, err := d.out.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := d.out.Truncate(0); err != nil {
		return err
	}
	d.h.Reset()
	d.done = 0
	return nil
}

// attempt makes one request and copies its body; complete reports that the
// whole body arrived.
func (d *download) attempt(ctx context.Context) (complete bool, err error) {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stalled atomic.Bool
	watchdog := time.AfterFunc(d.f.StallTimeout, func() { stalled.Store(true); cancel() })
	defer watchdog.Stop()
	fail := func(err error) (bool, error) {
		if stalled.Load() {
			return false, fmt.Errorf("%w: no data for %s after %d bytes", ErrStalled, d.f.StallTimeout, d.done)
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return false, err
	}

	req, err := http.NewRequestWithContext(actx, http.MethodGet, d.f.URL, nil)
	if err != nil {
		return false, err
	}
	if d.done > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(d.done, 10)+"-")
	}
	resp, err := d.client.Do(req)
	if err != nil {
		if errors.Is(err, ErrAddressRefused) || errors.Is(err, ErrRedirect) {
			return false, err
		}
		if d.done > 0 && !stalled.Load() && ctx.Err() == nil {
			return false, fmt.Errorf("%w: %w", errInterrupted, err)
		}
		return fail(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
		if d.done > 0 {
			if err := d.restart(); err != nil {
				return false, err
			}
		}
		d.total = resp.ContentLength
	case resp.StatusCode == http.StatusPartialContent && d.done > 0:
		start, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != d.done {
			return false, fmt.Errorf("server resumed at %q, want byte %d", resp.Header.Get("Content-Range"), d.done)
		}
		d.total = total
	default:
		return false, fmt.Errorf("%w: %s", ErrHTTPStatus, resp.Status)
	}
	if d.total > d.f.MaxBytes {
		return false, fmt.Errorf("%w: the server announced %d bytes, the cap is %d", ErrTooLarge, d.total, d.f.MaxBytes)
	}
	d.progress()
	buf := make([]byte, 64<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			watchdog.Reset(d.f.StallTimeout)
			if d.done+int64(n) > d.f.MaxBytes {
				return false, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, d.f.MaxBytes)
			}
			if _, err := d.out.Write(buf[:n]); err != nil {
				return false, err
			}
			d.h.Write(buf[:n])
			d.done += int64(n)
			d.progress()
		}
		if errors.Is(rerr, io.EOF) {
			if d.total >= 0 && d.done < d.total {
				return false, fmt.Errorf("%w at %d of %d bytes", errInterrupted, d.done, d.total)
			}
			return true, nil
		}
		if rerr != nil {
			if stalled.Load() || ctx.Err() != nil {
				return fail(rerr)
			}
			return false, fmt.Errorf("%w at %d bytes: %w", errInterrupted, d.done, rerr)
		}
	}
}

func (d *download) progress() {
	if d.f.Progress != nil {
		d.f.Progress(d.done, d.total)
	}
}

// parseContentRange reads "bytes START-END/TOTAL" (TOTAL may be "*").
func parseContentRange(s string) (start, total int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	first, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	total = -1
	if tot != "*" {
		if total, err = strconv.ParseInt(tot, 10, 64); err != nil {
			return 0, 0, false
		}
	}
	return start, total, true
}

// refusal returns the Guard's own error when err is a refusal, without
// the http client's and dialer's wrapping ("Get ...: dial tcp ...:"), so
// that the requester reads why; any other error as it is.
func refusal(err error) error {
	var ae *AddrError
	if errors.As(err, &ae) {
		return ae
	}
	var ue *url.Error
	if errors.Is(err, ErrRedirect) && errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
