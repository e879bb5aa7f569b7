package syslog

import (
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"time"

	"github.com/pbxalarm/pbxalarm/ingest/admit"
)

// Defaults of the listener options.
const (
	DefaultMaxFrameSize     = 64 << 10
	DefaultReadBuffer       = 8 << 20
	DefaultMaxConnections   = 4096
	DefaultIdleTimeout      = 5 * time.Minute
	DefaultHandshakeTimeout = 10 * time.Second
)

// Option configures a listener.
type Option func(*config)

type config struct {
	logger           *slog.Logger
	stats            *Stats
	parser           *Parser
	maxFrame         int
	readers          int
	readBuffer       int
	maxConns         int
	idleTimeout      time.Duration
	handshakeTimeout time.Duration
	drainTimeout     time.Duration
	allow            []netip.Prefix
	rate             float64
	burst            int
}

func newConfig(opts []Option) config {
	c := config{
		maxFrame:         DefaultMaxFrameSize,
		readers:          max(runtime.GOMAXPROCS(0), 2),
		readBuffer:       DefaultReadBuffer,
		maxConns:         DefaultMaxConnections,
		idleTimeout:      DefaultIdleTimeout,
		handshakeTimeout: DefaultHandshakeTimeout,
		drainTimeout:     DrainTimeout,
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
	if c.parser == nil {
		c.parser = NewParser()
	}
	return c
}

// WithLogger sets the logger; the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithStats sets the counters to update, so that several listeners can
// share one [Stats]; by default each listener has its own.
func WithStats(s *Stats) Option { return func(c *config) { c.stats = s } }

// WithParser sets the parser that fills each message's header; the default
// is NewParser().
func WithParser(p *Parser) Option { return func(c *config) { c.parser = p } }

// WithMaxFrameSize sets the largest frame accepted, in bytes (default 64
// KiB). Larger frames are counted as oversize and skipped. A datagram can
// never exceed 65535 bytes, whatever this says.
func WithMaxFrameSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxFrame = n
		}
	}
}

// WithReaders sets how many goroutines read the UDP socket (default
// GOMAXPROCS, at least 2).
func WithReaders(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.readers = n
		}
	}
}

// WithReadBuffer sets the UDP socket's receive buffer (SO_RCVBUF), in bytes
// (default 8 MiB). The kernel may grant less; the size granted is logged.
func WithReadBuffer(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.readBuffer = n
		}
	}
}

// WithMaxConnections sets how many stream connections may be open at once
// (default 4096); connections beyond it are closed at once and counted.
func WithMaxConnections(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxConns = n
		}
	}
}

// WithIdleTimeout sets how long a stream connection may stay silent before
// it is closed (default 5 minutes).
func WithIdleTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.idleTimeout = d
		}
	}
}

// WithDrainTimeout sets how long, once Serve's context ends, open stream
// connections are still read (default [DrainTimeout]).
func WithDrainTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.drainTimeout = d
		}
	}
}

// WithHandshakeTimeout sets how long a TLS handshake may take (default 10
// seconds).
func WithHandshakeTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.handshakeTimeout = d
		}
	}
}

// WithAllow admits only senders inside one of nets (an address is a /32
// or /128); the default admits every sender. Datagrams from others are
// dropped and stream connections from others closed at accept, each counted
// as not_allowed. IPv4-mapped IPv6 senders are matched as IPv4.
func WithAllow(nets ...netip.Prefix) Option {
	return func(c *config) { c.allow = append(c.allow, nets...) }
}

// WithRateLimit lets each sender send perSecond messages a second, in
// bursts of up to burst (0: one second's worth); messages beyond it are
// dropped and counted as rate_limited. Each listener keeps its own buckets.
// perSecond 0, the default, is unlimited.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(c *config) { c.rate, c.burst = perSecond, burst }
}

// gate returns what admits senders, or nil when every sender is admitted
// at any rate (the listeners then skip the check).
func (c *config) gate() (*admit.Gate, error) {
	g, err := admit.ForConfig(admit.Config{Allow: c.allow, Rate: c.rate, Burst: c.burst})
	if err != nil {
		return nil, fmt.Errorf("syslog: %w", err)
	}
	return g, nil
}
