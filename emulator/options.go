package emulator

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net/netip"
	"time"
)

// Option configures Run and Expect.
type Option func(*options)

type options struct {
	seed         uint64
	seedSet      bool
	fleet        int
	speed        float64
	instant      bool
	start, end   time.Time
	baseIP       netip.Addr
	progress     func(Progress)
	every        time.Duration
	expectW      io.Writer
	logger       *slog.Logger
	linger       time.Duration
	tlsConfig    *tls.Config
	snmpTimeout  time.Duration
	snmpRetries  int
	dialTimeout  time.Duration
	writeTimeout time.Duration
}

// Defaults of the options.
const (
	DefaultSpeed    = 86400 // a virtual day each real second
	DefaultEvery    = time.Second
	DefaultInformTO = 2 * time.Second
	DefaultRetries  = 2
)

// DefaultBaseIP is the address of the first system; the others follow it.
var DefaultBaseIP = netip.MustParseAddr("127.0.0.2")

func newOptions(opts []Option) *options {
	o := &options{
		speed: DefaultSpeed, baseIP: DefaultBaseIP, every: DefaultEvery,
		snmpTimeout: DefaultInformTO, snmpRetries: DefaultRetries,
		dialTimeout: 5 * time.Second, writeTimeout: 10 * time.Second,
	}
	for _, opt := range opts {
		opt(o)
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	return o
}

// WithSeed sets the seed of every random choice (jitter, noise, detection
// times); the default is the scenario's seed. The same seed and options
// give the same messages at the same virtual times.
func WithSeed(seed uint64) Option { return func(o *options) { o.seed, o.seedSet = seed, true } }

// WithFleet scales the scenario to n systems, cycling through its systems
// as templates: the second round's names get "-2", the third's "-3", and
// each system has its own address. n below the scenario's count keeps the
// first n.
func WithFleet(n int) Option { return func(o *options) { o.fleet = max(n, 0) } }

// WithSpeed sets how many virtual seconds pass each real second (default
// 86400: a day a second).
func WithSpeed(virtualSecondsPerSecond float64) Option {
	return func(o *options) {
		if virtualSecondsPerSecond > 0 {
			o.speed = virtualSecondsPerSecond
		}
	}
}

// WithInstant sends every message as fast as the receivers take it,
// stamped with its virtual time.
func WithInstant() Option { return func(o *options) { o.instant = true } }

// WithStart starts the run at t instead of the scenario's start. The
// fleet is simulated from the earlier of the two, so it is in the state it
// would have reached; only what it sends from t on is sent. Dated
// scenario events and calendar dates keep their dates.
func WithStart(t time.Time) Option { return func(o *options) { o.start = t } }

// WithEnd ends the run at t instead of the scenario's end.
func WithEnd(t time.Time) Option { return func(o *options) { o.end = t } }

// WithBaseIP sets the first system's address (default 127.0.0.2); the
// others take the addresses after it. Linux answers on all of
// 127.0.0.0/8 without configuration; addresses outside it must be
// configured on the host, or the run fails when it binds them. Systems
// that send from loopback addresses reach receivers on the same host only.
func WithBaseIP(a netip.Addr) Option { return func(o *options) { o.baseIP = a } }

// WithProgress calls fn every interval of real time (default 1s when
// every is 0) with a snapshot of the run, and once more at the end with
// Done set. fn runs on its own goroutine and must not block for long.
func WithProgress(fn func(Progress), every time.Duration) Option {
	return func(o *options) {
		o.progress = fn
		if every > 0 {
			o.every = every
		}
	}
}

// WithExpectations writes, as the run goes, one JSON line (an
// [Expectation]) for each message sent that pbxalarm should turn into an
// event.
func WithExpectations(w io.Writer) Option { return func(o *options) { o.expectW = w } }

// WithLogger sets the logger; the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithLinger keeps the agents and log streams serving for d after the last
// message, so that a receiver can still read back the category table or
// connect for the backlog; d < 0 keeps them until the context ends.
func WithLinger(d time.Duration) Option { return func(o *options) { o.linger = d } }

// WithTLSConfig sets the TLS configuration of tls:// syslog targets,
// instead of the one Targets.TLSInsecure and TLSCA build.
func WithTLSConfig(c *tls.Config) Option { return func(o *options) { o.tlsConfig = c } }

// WithInformTimeout sets how long an inform waits for its response
// (default 2s) and how many times it is resent (default 2).
func WithInformTimeout(d time.Duration, retries int) Option {
	return func(o *options) {
		if d > 0 {
			o.snmpTimeout = d
		}
		o.snmpRetries = max(retries, 0)
	}
}
