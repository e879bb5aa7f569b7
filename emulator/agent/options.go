package agent

import "log/slog"

// Defaults and bounds of the agent options.
const (
	DefaultCommunity = "public"
	// DefaultMaxResponseSize is the largest response sent, in bytes: what
	// fits one Ethernet frame unfragmented.
	DefaultMaxResponseSize = 1472
	// MinMaxResponseSize is the least every SNMP entity must accept (RFC
	// 3417 section 3.2).
	MinMaxResponseSize = 484
	// MaxMaxResponseSize is the largest UDP payload over IPv4.
	MaxMaxResponseSize = 65507
	// maxCommunity keeps the community within one BER length byte, which
	// is all gosnmp's encoder writes for it.
	maxCommunity = 127
)

// Option configures an [Agent].
type Option func(*config)

type config struct {
	community string
	maxResp   int
	logger    *slog.Logger
	stats     *Stats
}

func newConfig(opts []Option) config {
	c := config{community: DefaultCommunity, maxResp: DefaultMaxResponseSize}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.stats == nil {
		c.stats = new(Stats)
	}
	return c
}

// WithCommunity sets the community that requests must carry (default
// "public"); Listen fails if it is longer than 127 bytes.
func WithCommunity(s string) Option { return func(c *config) { c.community = s } }

// WithMaxResponseSize sets the largest response datagram, in bytes
// (default 1472), clamped to 484..65507. A GETBULK response is trimmed to
// fit; any other that does not fit is answered with tooBig.
func WithMaxResponseSize(n int) Option {
	return func(c *config) { c.maxResp = min(max(n, MinMaxResponseSize), MaxMaxResponseSize) }
}

// WithLogger sets the logger; the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithStats sets the counters to update, so that a fleet of agents can
// share one [Stats]; by default each agent has its own.
func WithStats(s *Stats) Option { return func(c *config) { c.stats = s } }
