package snmp

import (
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"time"

	"github.com/pbxalarm/pbxalarm/ingest/admit"
)

// Defaults of the receiver options.
const (
	DefaultReadBuffer        = 8 << 20
	DefaultMaxMessageSize    = 16 << 10
	DefaultEnrichTimeout     = 2 * time.Second
	DefaultEnrichConcurrency = 16
	// bufferSize is the size of the pooled read buffers: any UDP datagram
	// fits, so a message above the maximum size is seen whole and counted
	// as oversize rather than cut.
	bufferSize = 64 << 10
)

// Option configures a [Receiver].
type Option func(*config)

type config struct {
	logger            *slog.Logger
	stats             *Stats
	readers           int
	readBuffer        int
	maxMessage        int
	communities       []community
	users             []User
	engineID          []byte
	dataDir           string
	enricher          Enricher
	enrichTimeout     time.Duration
	enrichConcurrency int
	now               func() time.Time
	allow             []netip.Prefix
	rate              float64
	burst             int
}

// community is one allowed community string, optionally limited to source
// networks.
type community struct {
	value    []byte
	networks []netip.Prefix
}

func newConfig(opts []Option) config {
	c := config{
		readers:           max(runtime.GOMAXPROCS(0), 2),
		readBuffer:        DefaultReadBuffer,
		maxMessage:        DefaultMaxMessageSize,
		enrichTimeout:     DefaultEnrichTimeout,
		enrichConcurrency: DefaultEnrichConcurrency,
		now:               time.Now,
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
	return c
}

// WithLogger sets the logger; the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithStats sets the counters to update, so that several receivers can
// share one [Stats]; by default each receiver has its own.
func WithStats(s *Stats) Option { return func(c *config) { c.stats = s } }

// WithReaders sets how many goroutines read the socket (default GOMAXPROCS,
// at least 2).
func WithReaders(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.readers = n
		}
	}
}

// WithReadBuffer sets the socket's receive buffer (SO_RCVBUF), in bytes
// (default 8 MiB): it absorbs bursts while the handler applies
// backpressure. The kernel may grant less; the size asked for is logged.
func WithReadBuffer(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.readBuffer = n
		}
	}
}

// WithMaxMessageSize sets the largest SNMP message accepted, in bytes
// (default 16 KiB; a MiVB trap is a few hundred). Larger datagrams are
// counted as oversize and dropped.
func WithMaxMessageSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxMessage = min(n, bufferSize)
		}
	}
}

// WithCommunity allows a v1/v2c community string, from anywhere or, when
// networks are given, only from senders inside one of them. Repeat it to
// allow several. With none, every v1/v2c message is rejected as
// bad_community.
func WithCommunity(value string, networks ...netip.Prefix) Option {
	return func(c *config) {
		nets := make([]netip.Prefix, len(networks))
		for i, n := range networks {
			nets[i] = n.Masked()
		}
		c.communities = append(c.communities, community{value: []byte(value), networks: nets})
	}
}

// WithUser adds an SNMPv3 user (see [ParseUser]). Repeat it for several.
// A user bound to an engine ID is accepted only from that engine; one bound
// to "any" from every engine, its keys localised and cached per engine ID.
func WithUser(u User) Option { return func(c *config) { c.users = append(c.users, u) } }

// WithEngineID sets the receiver's own SNMPv3 engine ID (5 to 32 octets),
// the one v3 informs are sent to. Without it the ID is generated once and
// kept in the data directory, or generated at every start when there is
// none.
func WithEngineID(id []byte) Option {
	return func(c *config) { c.engineID = append([]byte(nil), id...) }
}

// WithDataDir sets the directory where the engine ID and the engine boot
// counter are kept (file snmp-engine.json). Without it the boot counter
// restarts at 1, which senders with a cached engine time may reject until
// they rediscover.
func WithDataDir(dir string) Option { return func(c *config) { c.dataDir = dir } }

// WithEnricher sets what reads back the category table and sysDescr.0 after
// a MiVB alarm trap (301). Without it such traps are handed on at once with
// Enriched false and EnrichError "read-back not configured".
func WithEnricher(e Enricher) Option { return func(c *config) { c.enricher = e } }

// WithEnrichTimeout bounds each read-back (default 2 s).
func WithEnrichTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.enrichTimeout = d
		}
	}
}

// WithEnrichConcurrency bounds how many read-backs run at once (default
// 16). A trap that finds every slot taken is handed on at once, unenriched.
func WithEnrichConcurrency(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.enrichConcurrency = n
		}
	}
}

// WithAllow admits only senders inside one of nets (an address is a /32
// or /128); the default admits every sender. Datagrams from others are
// dropped before they are decoded and counted as not_allowed. IPv4-mapped
// IPv6 senders are matched as IPv4. It is checked before, and independently
// of, the networks a community is limited to.
func WithAllow(nets ...netip.Prefix) Option {
	return func(c *config) { c.allow = append(c.allow, nets...) }
}

// WithRateLimit lets each sender send perSecond datagrams a second, in
// bursts of up to burst (0: one second's worth); datagrams beyond it are
// dropped before they are decoded or decrypted and counted as
// rate_limited. A dropped inform is not answered, so its sender retries.
// perSecond 0, the default, is unlimited.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(c *config) { c.rate, c.burst = perSecond, burst }
}

// gate returns what admits senders, or nil when every sender is admitted
// at any rate (the receiver then skips the check).
func (c *config) gate() (*admit.Gate, error) {
	g, err := admit.ForConfig(admit.Config{Allow: c.allow, Rate: c.rate, Burst: c.burst})
	if err != nil {
		return nil, fmt.Errorf("snmp: %w", err)
	}
	return g, nil
}
