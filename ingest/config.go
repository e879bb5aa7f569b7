package ingest

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/admit"
	"github.com/pbxalarm/pbxalarm/ingest/publish"
	"github.com/pbxalarm/pbxalarm/ingest/snmp"
	"github.com/pbxalarm/pbxalarm/ingest/syslog"
	"github.com/pbxalarm/pbxalarm/licence"
)

// Off is the address value that disables a listener.
const Off = "off"

// Config is everything the ingester needs. Defaults() gives a working
// configuration; Validate checks it once at start, so the running code never
// re-checks.
type Config struct {
	SyslogUDP      string        // address or "off"
	SyslogTCP      string        // address or "off"
	SyslogTLS      string        // address or "off"
	TLSCert        string        // server certificate for SyslogTLS
	TLSKey         string        // server key for SyslogTLS
	TLSClientCA    string        // when set, syslog TLS clients must present a certificate it signed
	MaxFrameSize   int           // bytes; larger frames are counted and skipped
	MaxConnections int           // per stream listener
	IdleTimeout    time.Duration // stream connections idle longer are closed
	UDPReaders     int           // reader goroutines per UDP socket
	UDPReadBuffer  int           // SO_RCVBUF bytes
	Timezone       string        // for syslog and record timestamps without a zone

	// Who may send, and how fast (see package admit).
	SyslogAllow []string // syslog senders admitted, each an IP or CIDR; empty: any
	SNMPAllow   []string // SNMP senders admitted, each an IP or CIDR; empty: any
	RateLimit   float64  // messages a second per sender per input; 0: unlimited
	RateBurst   int      // messages a sender may send at once; 0: one second's worth

	NATSURL     string // empty: run an embedded NATS server; user information in it is passed as options, never logged
	NATSListen  string // the embedded server's client address
	NATSCreds   string // credentials file
	NATSNKey    string // NKey seed file
	NATSTLSCA   string
	NATSTLSCert string
	NATSTLSKey  string
	DataDir     string // embedded JetStream storage and other state
	MaxInFlight int    // messages awaiting their PubAck before inputs block
	// SpoolMaxBytes bounds the local spool that holds accepted events until
	// an external NATS (NATSURL) has acknowledged them.
	SpoolMaxBytes int64
	// StoreCheck is how often the local JetStream store (the embedded
	// NATS's, or the spool's) is checked for a write error or a full
	// limit and reopened; negative: never.
	StoreCheck time.Duration

	SubjectPrefix    string
	StreamSetup      bool // create or update the stream at start
	StreamName       string
	StreamMaxAge     time.Duration
	StreamDuplicates time.Duration

	HTTP string // the NOC board's address or "off"
	// Pprof serves net/http/pprof under /debug/pprof/ on the metrics address.
	Pprof   bool
	Metrics string // Prometheus /metrics, /healthz and /readyz address or "off"

	// Track runs the licence-state tracker inside serve.
	Track bool
	// Schedules names each system's escalation schedule (default, 3300-legacy).
	Schedules map[string]string

	SNMPUDP           string        // SNMP notification address or "off"
	SNMPCommunities   []string      // v1/v2c allow-list: "community" or "community@CIDR[,CIDR...]"
	SNMPUsers         []snmp.User   // v3 users
	SNMPEngineID      string        // hex; empty: generated and kept in DataDir
	SNMPReadPort      int           // port of the PBX's agent for read-back
	SNMPReadCommunity string        // read-back community; empty and no SNMPReadUser: no read-back
	SNMPReadUser      *snmp.User    // read-back v3 user
	SNMPReadTimeout   time.Duration // read-back deadline per trap

	// Logstreams are PBX maintenance-log streams to connect to, each
	// "host:port" or "NAME=host:port".
	Logstreams []string

	// Systems maps sender addresses (IP or CIDR) to system names.
	Systems map[string]string
	// Timezones maps sender addresses (IP or CIDR) to the IANA time zone
	// of their timestamps that name none, where it is not Timezone.
	Timezones map[string]string

	ShutdownTimeout time.Duration // how long shutdown may take to publish what is in flight

	// parsed by Validate
	location    *time.Location
	systems     *SystemNames
	zones       *Zones
	communities []communityRule
	engineID    []byte
	streamAddrs []string          // Logstreams without names
	streamNames map[string]string // address -> NAME where given
	syslogAllow []netip.Prefix
	snmpAllow   []netip.Prefix
	natsURLs    string   // NATSURL without user information
	natsAuth    natsAuth // the user information taken out of NATSURL
}

type communityRule struct {
	value    string
	networks []netip.Prefix
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		SyslogUDP:        ":5514",
		SyslogTCP:        ":5514",
		SyslogTLS:        Off,
		MaxFrameSize:     64 << 10,
		MaxConnections:   4096,
		IdleTimeout:      5 * time.Minute,
		UDPReaders:       2,
		UDPReadBuffer:    8 << 20,
		Timezone:         "UTC",
		NATSListen:       "127.0.0.1:4222",
		DataDir:          "./pbxalarm-data",
		MaxInFlight:      4096,
		SpoolMaxBytes:    1 << 30,
		StoreCheck:       publish.DefaultStoreCheck,
		SubjectPrefix:    events.DefaultPrefix,
		StreamSetup:      true,
		StreamName:       "PBX_EVENTS",
		StreamMaxAge:     30 * 24 * time.Hour,
		StreamDuplicates: 2 * time.Minute,
		ShutdownTimeout:  30 * time.Second,
		SNMPUDP:          ":9162",
		HTTP:             ":8080",
		Metrics:          ":9464",
		Track:            true,
		SNMPReadPort:     161,
		SNMPReadTimeout:  2 * time.Second,
	}
}

// DefaultTLSAddr is the syslog TLS address when TLS is enabled without one.
const DefaultTLSAddr = ":6514"

// connConfig is the connection to NATS at url the configuration asks for.
func (c *Config) connConfig(url string) publish.ConnConfig {
	return publish.ConnConfig{
		URLs: url, Name: "pbxalarm", CredsFile: c.NATSCreds, NKeyFile: c.NATSNKey,
		User: c.natsAuth.user, Password: c.natsAuth.password, Token: c.natsAuth.token,
		TLSCA: c.NATSTLSCA, TLSCert: c.NATSTLSCert, TLSKey: c.NATSTLSKey,
	}
}

// CheckFiles reads the files a validated configuration names, as New
// would, without binding or connecting: the syslog TLS key pair and client
// CA, and NATS's credentials or NKey seed, CA bundle and client
// certificate. Each error names the flag.
func (c *Config) CheckFiles() error {
	var errs []error
	if c.SyslogTLS != Off {
		if _, err := syslog.LoadTLSFiles(c.TLSCert, c.TLSKey, c.TLSClientCA); err != nil {
			errs = append(errs, fmt.Errorf("tls-cert, tls-key, tls-client-ca: %w", err))
		}
	}
	if err := c.connConfig(c.natsURLs).Check(); err != nil {
		errs = append(errs, fmt.Errorf("nats-creds, nats-nkey, nats-tls-*: %w", err))
	}
	return errors.Join(errs...)
}

// Validate checks every field and prepares the derived values. Each error
// names the field (by its flag name) that is wrong.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, f string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(f, a...)))
	}
	for _, l := range []struct{ field, addr string }{
		{"syslog-udp", c.SyslogUDP}, {"syslog-tcp", c.SyslogTCP}, {"syslog-tls", c.SyslogTLS},
		{"snmp-udp", c.SNMPUDP}, {"http", c.HTTP}, {"metrics", c.Metrics},
	} {
		if err := checkAddr(l.addr); err != nil {
			bad(l.field, "%v", err)
		}
	}
	if c.SyslogTLS != Off {
		if c.TLSCert == "" {
			bad("tls-cert", "required when syslog-tls is enabled")
		}
		if c.TLSKey == "" {
			bad("tls-key", "required when syslog-tls is enabled")
		}
	}
	if c.MaxFrameSize < 480 || c.MaxFrameSize > 64<<20 {
		bad("max-frame-size", "%d is outside 480 bytes .. 64 MiB", c.MaxFrameSize)
	}
	if c.MaxConnections < 1 {
		bad("max-connections", "must be at least 1, got %d", c.MaxConnections)
	}
	if c.IdleTimeout <= 0 {
		bad("idle-timeout", "must be positive, got %s", c.IdleTimeout)
	}
	if c.UDPReaders < 1 || c.UDPReaders > 256 {
		bad("udp-readers", "must be 1..256, got %d", c.UDPReaders)
	}
	if c.UDPReadBuffer < 0 {
		bad("udp-read-buffer", "must not be negative, got %d", c.UDPReadBuffer)
	}
	var err error
	if c.syslogAllow, err = parseAllow(c.SyslogAllow); err != nil {
		bad("syslog-allow", "%v", err)
	}
	if c.snmpAllow, err = parseAllow(c.SNMPAllow); err != nil {
		bad("snmp-allow", "%v", err)
	}
	if math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) || c.RateLimit < 0 {
		bad("rate-limit", "want messages a second, 0 for unlimited, got %v", c.RateLimit)
	}
	switch {
	case c.RateBurst < 0:
		bad("rate-burst", "must not be negative, got %d", c.RateBurst)
	case c.RateBurst > 0 && c.RateLimit == 0:
		bad("rate-burst", "set without rate-limit, which is 0 (unlimited)")
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		bad("timezone", "%v", err)
	}
	c.location = loc
	if c.NATSURL == "" {
		if _, _, err := net.SplitHostPort(c.NATSListen); err != nil {
			bad("nats-listen", "%v", err)
		}
	}
	c.natsURLs, c.natsAuth = "", natsAuth{}
	if c.NATSURL != "" {
		urls, auth, err := splitNATSURLs(c.NATSURL)
		switch {
		case err != nil:
			bad("nats-url", "%v", err)
		case auth.set() && (c.NATSCreds != "" || c.NATSNKey != ""):
			bad("nats-url", "carries a user or token, and nats-creds or nats-nkey is set: use one")
		}
		c.natsURLs, c.natsAuth = urls, auth
	}
	if c.DataDir == "" {
		bad("data-dir", "required: it holds the embedded NATS server's store or the spool")
	}
	if c.SpoolMaxBytes < 1<<20 {
		bad("spool-max-bytes", "must be at least 1 MiB (1048576), got %d", c.SpoolMaxBytes)
	}
	if (c.NATSTLSCert == "") != (c.NATSTLSKey == "") {
		bad("nats-tls-cert", "nats-tls-cert and nats-tls-key go together")
	}
	if c.NATSCreds != "" && c.NATSNKey != "" {
		bad("nats-creds", "use either nats-creds or nats-nkey, not both")
	}
	if c.MaxInFlight < 1 {
		bad("max-in-flight", "must be at least 1, got %d", c.MaxInFlight)
	}
	if err := events.ValidatePrefix(c.SubjectPrefix); err != nil {
		bad("subject-prefix", "%v", err)
	}
	if c.StreamName == "" || strings.ContainsAny(c.StreamName, ".*> \t") {
		bad("stream-name", "%q is not a valid stream name", c.StreamName)
	}
	if c.StreamMaxAge < 0 {
		bad("stream-max-age", "must not be negative")
	}
	if c.StreamDuplicates <= 0 {
		bad("stream-duplicates", "must be positive, got %s", c.StreamDuplicates)
	}
	if c.ShutdownTimeout <= 0 {
		bad("shutdown-timeout", "must be positive, got %s", c.ShutdownTimeout)
	}
	c.communities = nil
	for _, spec := range c.SNMPCommunities {
		rule, err := parseCommunity(spec)
		if err != nil {
			bad("snmp-community", "%v", err)
			continue
		}
		c.communities = append(c.communities, rule)
	}
	for i := range c.SNMPUsers {
		if err := c.SNMPUsers[i].Normalize(); err != nil {
			bad("snmp-user", "user %d (%s): %v", i+1, c.SNMPUsers[i].Name, err)
		}
	}
	if c.SNMPEngineID != "" {
		id, err := hex.DecodeString(strings.TrimPrefix(strings.ToLower(c.SNMPEngineID), "0x"))
		if err != nil || len(id) < 5 || len(id) > 32 {
			bad("snmp-engine-id", "want 5 to 32 octets in hex, got %q", c.SNMPEngineID)
		}
		c.engineID = id
	}
	if c.SNMPReadPort < 1 || c.SNMPReadPort > 65535 {
		bad("snmp-read-port", "%d is not a port", c.SNMPReadPort)
	}
	if c.SNMPReadUser != nil {
		if err := c.SNMPReadUser.Normalize(); err != nil {
			bad("snmp-read-user", "%v", err)
		}
		if c.SNMPReadCommunity != "" {
			bad("snmp-read-community", "use either snmp-read-community or snmp-read-user, not both")
		}
	}
	if c.SNMPReadTimeout <= 0 {
		bad("snmp-read-timeout", "must be positive, got %s", c.SNMPReadTimeout)
	}
	c.streamAddrs, c.streamNames = nil, map[string]string{}
	for _, spec := range c.Logstreams {
		name, addr, named := strings.Cut(spec, "=")
		if !named {
			name, addr = "", spec
		}
		if _, _, err := net.SplitHostPort(addr); err != nil || (named && strings.TrimSpace(name) == "") {
			bad("logstream", "%q is not host:port or NAME=host:port", spec)
			continue
		}
		c.streamAddrs = append(c.streamAddrs, addr)
		if named {
			c.streamNames[addr] = name
		}
	}
	for sys, name := range c.Schedules {
		if _, err := licence.LookupSchedule(name); err != nil {
			bad("schedules", "%s: %v", sys, err)
		}
	}
	names, err := NewSystemNames(c.Systems)
	if err != nil {
		bad("systems", "%v", err)
	}
	c.systems = names
	zones, err := NewZones(c.location, c.Timezones)
	if err != nil {
		bad("timezones", "%v", err)
	}
	c.zones = zones
	return errors.Join(errs...)
}

// Zones is the validated Timezone and Timezones.
func (c *Config) Zones() *Zones {
	return c.zones
}

// parseAllow reads allow-list entries, each an IP or CIDR.
func parseAllow(specs []string) ([]netip.Prefix, error) {
	var nets []netip.Prefix
	var errs []error
	for _, s := range specs {
		p, err := admit.ParsePrefix(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		nets = append(nets, p)
	}
	return nets, errors.Join(errs...)
}

// parseCommunity reads "community" or "community@CIDR[,CIDR...]". The last
// '@' starts the networks only when what follows parses as networks, so a
// community may itself hold '@'.
func parseCommunity(spec string) (communityRule, error) {
	if spec == "" {
		return communityRule{}, fmt.Errorf("empty community")
	}
	if i := strings.LastIndexByte(spec, '@'); i > 0 {
		var nets []netip.Prefix
		ok := true
		for _, n := range strings.Split(spec[i+1:], ",") {
			p, err := netip.ParsePrefix(strings.TrimSpace(n))
			if err != nil {
				ok = false
				break
			}
			nets = append(nets, p.Masked())
		}
		if ok {
			return communityRule{value: spec[:i], networks: nets}, nil
		}
	}
	return communityRule{value: spec}, nil
}

func checkAddr(addr string) error {
	if addr == Off {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port or %q: %w", addr, Off, err)
	}
	if host != "" {
		if _, err := netip.ParseAddr(host); err != nil && host != "localhost" {
			return fmt.Errorf("%q: host must be an IP address or empty", addr)
		}
	}
	if _, err := net.LookupPort("udp", port); err != nil {
		return fmt.Errorf("%q: bad port: %w", addr, err)
	}
	return nil
}
