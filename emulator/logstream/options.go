package logstream

import "log/slog"

// Defaults of the server options.
const (
	DefaultBacklog     = 100000
	DefaultClientQueue = 100000
)

// Option configures a [Server].
type Option func(*config)

type config struct {
	backlog     int
	clientQueue int
	logger      *slog.Logger
}

func newConfig(opts []Option) config {
	c := config{backlog: DefaultBacklog, clientQueue: DefaultClientQueue}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return c
}

// WithBacklog sets how many lines are kept while no client is connected
// (default 100000); beyond it the oldest are dropped and counted. Zero
// keeps none.
func WithBacklog(n int) Option {
	return func(c *config) {
		if n >= 0 {
			c.backlog = n
		}
	}
}

// WithClientQueue sets how many lines may wait for one connected client
// (default 100000); lines sent while its queue is full are dropped for
// that client and counted. The backlog handed to a client when it
// connects may exceed this; lines sent before it has drained below the
// limit are dropped for that client.
func WithClientQueue(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.clientQueue = n
		}
	}
}

// WithLogger sets the logger; the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }
