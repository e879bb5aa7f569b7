package logstream

import (
	"log/slog"
	"time"
)

// Defaults of the client options.
const (
	DefaultMaxLineSize    = 64 << 10
	DefaultBackoffInitial = 100 * time.Millisecond
	DefaultBackoffMax     = 30 * time.Second
	DefaultDialTimeout    = 10 * time.Second
)

// Option configures a [Client].
type Option func(*config)

type config struct {
	logger      *slog.Logger
	stats       *Stats
	maxLine     int
	backoffMin  time.Duration
	backoffMax  time.Duration
	dialTimeout time.Duration
}

func newConfig(opts []Option) config {
	c := config{
		maxLine:     DefaultMaxLineSize,
		backoffMin:  DefaultBackoffInitial,
		backoffMax:  DefaultBackoffMax,
		dialTimeout: DefaultDialTimeout,
	}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.stats == nil {
		c.stats = new(Stats)
	}
	c.backoffMax = max(c.backoffMax, c.backoffMin)
	return c
}

// WithLogger sets the logger; the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithStats sets the counters to update, so that several clients can
// share one [Stats]; by default each client has its own.
func WithStats(s *Stats) Option { return func(c *config) { c.stats = s } }

// WithMaxLineSize sets the longest line accepted, in bytes without its CR
// LF (default 64 KiB). Longer lines are counted and skipped; the
// connection stays up.
func WithMaxLineSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxLine = n
		}
	}
}

// WithBackoff sets the wait before reconnecting: initial after the first
// failure (default 100ms), doubling up to max (default 30s), each wait
// jittered to between half and all of it. It starts again at initial once
// a connection has delivered a line.
func WithBackoff(initial, max time.Duration) Option {
	return func(c *config) {
		if initial > 0 {
			c.backoffMin = initial
		}
		if max > 0 {
			c.backoffMax = max
		}
	}
}

// WithDialTimeout sets how long one connection attempt may take (default
// 10s).
func WithDialTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.dialTimeout = d
		}
	}
}
