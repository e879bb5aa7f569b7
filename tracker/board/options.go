package board

import (
	"log/slog"
	"time"
)

// Option configures a Board.
type Option func(*config)

type config struct {
	logger       *slog.Logger
	title        string
	now          func() time.Time
	heartbeat    time.Duration
	clientBuffer int
	writeTimeout time.Duration
	historyLimit int
}

func newConfig(opts []Option) config {
	c := config{
		logger:       slog.Default(),
		title:        "MiVB licence board",
		now:          time.Now,
		heartbeat:    15 * time.Second,
		clientBuffer: 64,
		writeTimeout: 10 * time.Second,
		historyLimit: 64,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithLogger sets the logger; default slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithTitle sets the page title; default "MiVB licence board".
func WithTitle(title string) Option {
	return func(c *config) {
		if title != "" {
			c.title = title
		}
	}
}

// WithClock sets the board's wall clock; default time.Now. Tests use it to
// render fixed countdowns.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithHeartbeat sets how often an idle event stream gets a heartbeat,
// which also carries the clock; default 15s.
func WithHeartbeat(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.heartbeat = d
		}
	}
}

// WithClientBuffer sets how many messages may wait for one event-stream
// client; a client that falls further behind is dropped (its browser
// reconnects and gets a fresh snapshot). Default 64.
func WithClientBuffer(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.clientBuffer = n
		}
	}
}

// WithWriteTimeout bounds one write to an event-stream client, so a client
// that stopped reading releases its connection; default 10s.
func WithWriteTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.writeTimeout = d
		}
	}
}

// WithHistoryLimit sets how many level changes are kept per system for its
// timeline; default 64.
func WithHistoryLimit(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.historyLimit = n
		}
	}
}
