package api

import (
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Default request limits. The rate is per client (remote IP address): a
// burst of DefaultBurst requests, refilled at DefaultRate a second. That is
// far above what the CLI and the e2e tests' polling (one request every
// 20 ms) ask for, and low enough that a runaway script cannot starve the
// node. A log stream (follow) is one request however long it lasts.
const (
	DefaultRate  = 50
	DefaultBurst = 100
	// MaxURL is the longest request target (path and query) accepted;
	// longer ones are answered 414. Headers are capped by NewServer.
	MaxURL = 4096
	// DefaultBodyTimeout bounds reading a request body (a client
	// trickling its body byte by byte is cut off: 408).
	DefaultBodyTimeout = 30 * time.Second
	// maxClients bounds the per-client buckets kept: beyond it, idle ones
	// are dropped and, failing that, new clients share one bucket.
	maxClients = 4096
)

// Option changes a default of New.
type Option func(*options)

type options struct {
	rate        rate.Limit
	burst       int
	clock       func() time.Time
	bodyTimeout time.Duration
	// metricsToken: /metrics needs the bearer token too.
	metricsToken bool
}

// WithMetricsToken makes /metrics need the bearer token like every other
// route (for an API that listens beyond loopback).
func WithMetricsToken() Option {
	return func(o *options) { o.metricsToken = true }
}

// WithRateLimit sets the per-client rate limit: perSecond requests a
// second after a burst of burst. perSecond <= 0 turns the limit off.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(o *options) {
		o.rate, o.burst = rate.Limit(perSecond), burst
		if perSecond <= 0 {
			o.rate = rate.Inf
		}
	}
}

// WithBodyTimeout sets how long a client has to send a request body
// (DefaultBodyTimeout by default).
func WithBodyTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.bodyTimeout = d
		}
	}
}

// WithClock sets the clock the rate limiter reads (time.Now by default).
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.clock = now
		}
	}
}

// clientLimiter keeps one token bucket per client.
type clientLimiter struct {
	rate  rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newClientLimiter(o options) *clientLimiter {
	return &clientLimiter{rate: o.rate, burst: o.burst, now: o.clock, buckets: map[string]*bucket{}}
}

// take takes one token from client's bucket. When none is left it takes
// nothing and says how long until one is.
func (c *clientLimiter) take(client string) (retryAfter time.Duration, ok bool) {
	if c.rate == rate.Inf {
		return 0, true
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.buckets[client]
	if b == nil {
		if len(c.buckets) >= maxClients {
			c.prune(now)
		}
		if len(c.buckets) >= maxClients {
			client = "(overflow)"
			b = c.buckets[client]
		}
		if b == nil {
			b = &bucket{lim: rate.NewLimiter(c.rate, c.burst)}
			c.buckets[client] = b
		}
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Minute, false
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// prune drops the buckets idle long enough to have refilled: a new bucket
// is the same as theirs.
func (c *clientLimiter) prune(now time.Time) {
	full := time.Duration(float64(c.burst) / float64(c.rate) * float64(time.Second))
	for k, b := range c.buckets {
		if now.Sub(b.seen) > full {
			delete(c.buckets, k)
		}
	}
}

// clientOf is the client a request counts against: its remote IP.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// retryAfterSeconds is d in whole seconds, rounded up, at least 1.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

// NewServer returns the http.Server to serve the API handler h with: it
// caps header bytes and the time to send them, and closes idle
// connections. It sets no ReadTimeout or WriteTimeout on purpose: a log
// stream (follow) lasts as long as its job, and either deadline would cut
// it; request bodies get their own deadline in the handler instead.
func NewServer(h http.Handler, logger *slog.Logger) *http.Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    32 << 10,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
}
