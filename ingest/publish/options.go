package publish

import (
	"log/slog"
	"time"
)

// Publisher defaults.
const (
	DefaultMaxInFlight  = 4096
	DefaultAckTimeout   = 5 * time.Second
	DefaultRetryInitial = 100 * time.Millisecond
	DefaultRetryMax     = 5 * time.Second
)

// Option configures a Publisher.
type Option func(*config)

type config struct {
	maxInFlight  int
	logger       *slog.Logger
	retryInitial time.Duration
	retryMax     time.Duration
	ackTimeout   time.Duration
}

func defaultConfig() config {
	return config{
		maxInFlight:  DefaultMaxInFlight,
		logger:       slog.Default(),
		retryInitial: DefaultRetryInitial,
		retryMax:     DefaultRetryMax,
		ackTimeout:   DefaultAckTimeout,
	}
}

// WithMaxInFlight sets how many messages may await their PubAck before
// Publish blocks; default DefaultMaxInFlight. Values below 1 are ignored.
func WithMaxInFlight(n int) Option {
	return func(c *config) {
		if n >= 1 {
			c.maxInFlight = n
		}
	}
}

// WithLogger sets the logger; default slog.Default(). nil is ignored.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithRetryBackoff sets the pause before the first retry of a failed
// publish and the cap it doubles up to; defaults DefaultRetryInitial and
// DefaultRetryMax. Non-positive values are ignored.
func WithRetryBackoff(initial, maxWait time.Duration) Option {
	return func(c *config) {
		if initial > 0 {
			c.retryInitial = initial
		}
		if maxWait > 0 {
			c.retryMax = maxWait
		}
		if c.retryMax < c.retryInitial {
			c.retryMax = c.retryInitial
		}
	}
}

// WithAckTimeout sets how long one attempt waits for its PubAck before the
// message is sent again; default DefaultAckTimeout. Non-positive values
// are ignored.
func WithAckTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.ackTimeout = d
		}
	}
}
