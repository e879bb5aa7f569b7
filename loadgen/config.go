package loadgen

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/snmp"
)

// Proto is what a run sends.
type Proto string

// The protocols. The syslog ones carry an RFC 5424 (or 3164) line; the
// SNMP ones a MiVB alarm trap 301 with the token in one more varbind.
const (
	UDP       Proto = "udp"        // syslog datagrams
	TCP       Proto = "tcp"        // syslog over TCP, octet counting (RFC 6587) or LF
	TLS       Proto = "tls"        // syslog over TLS, octet counting (RFC 5425)
	TrapV2c   Proto = "trap-v2c"   // SNMPv2c traps
	TrapV3    Proto = "trap-v3"    // SNMPv3 traps at the user's security level
	InformV2c Proto = "inform-v2c" // SNMPv2c informs, each answered or retried
	InformV3  Proto = "inform-v3"  // SNMPv3 informs to the receiver's engine
)

// Protos lists every protocol, in the order the help text gives them.
var Protos = []Proto{UDP, TCP, TLS, TrapV2c, TrapV3, InformV2c, InformV3}

// SNMP reports whether p is sent to the SNMP port.
func (p Proto) SNMP() bool { return strings.HasPrefix(string(p), "trap-") || p.Inform() }

// Inform reports whether p waits for an answer to each message.
func (p Proto) Inform() bool { return strings.HasPrefix(string(p), "inform-") }

// V3 reports whether p is SNMPv3.
func (p Proto) V3() bool { return strings.HasSuffix(string(p), "-v3") }

// Stream reports whether p is a byte stream (TCP or TLS).
func (p Proto) Stream() bool { return p == TCP || p == TLS }

// Default targets: pbxalarm serve's default syslog and SNMP ports on
// loopback.
const (
	DefaultSyslogTarget = "127.0.0.1:5514"
	DefaultTLSTarget    = "127.0.0.1:6514"
	DefaultSNMPTarget   = "127.0.0.1:9162"
)

// DefaultTarget is where p goes when no target is given.
func DefaultTarget(p Proto) string {
	switch {
	case p == TLS:
		return DefaultTLSTarget
	case p.SNMP():
		return DefaultSNMPTarget
	}
	return DefaultSyslogTarget
}

// Syslog formats and TCP framings.
const (
	FormatRFC5424  = "rfc5424"
	FormatRFC3164  = "rfc3164"
	FramingOctet   = "octet-counting"
	FramingLF      = "lf"
	maxCount       = 1 << 30 // request ids and the arrival bitmaps stay small
	maxConnections = 1024
	maxDuration    = 24 * time.Hour
)

// Config is one run. Zero fields take the defaults of [Defaults] where
// Validate says so.
type Config struct {
	Proto  Proto
	Target string // host:port; empty: DefaultTarget(Proto)

	Count       int           // messages to send
	Rate        float64       // messages a second over all connections; 0: as fast as possible
	Duration    time.Duration // upper bound on the sending time
	Connections int           // TCP/TLS connections, UDP sockets or inform senders in parallel
	Wait        time.Duration // how long to wait for arrivals after sending ends

	Format  string // syslog: rfc5424 or rfc3164
	Framing string // TCP: octet-counting or lf (TLS is always octet-counting)
	Systems int    // distinct system (host) names the messages spread over

	TLSCA         string // PEM bundle that signed the server's certificate; empty: system roots
	TLSInsecure   bool   // do not verify the server's certificate
	TLSServerName string // name to verify; empty: the target's host

	Community     string        // v2c
	User          snmp.User     // v3; its EngineID, when not any, is the trap sender's engine ID
	InformTimeout time.Duration // how long to wait for an inform's answer before resending
	InformRetries int           // resends before an inform counts as unanswered
	Window        int           // informs awaiting an answer, per connection

	Stream        string // JetStream stream the events arrive in
	SubjectPrefix string // first token(s) of the event subjects (counted: the stream's subjects)
	// ValidateEvery: decode and validate every Nth arriving event with
	// events.Unmarshal (1: all, 0: none); the token is found either way.
	ValidateEvery int
}

// Defaults returns a configuration for proto with every default set.
func Defaults(proto Proto) Config {
	return Config{
		Proto:         proto,
		Target:        DefaultTarget(proto),
		Count:         100000,
		Duration:      time.Minute,
		Connections:   4,
		Wait:          30 * time.Second,
		Format:        FormatRFC5424,
		Framing:       FramingOctet,
		Systems:       50,
		Community:     "public",
		InformTimeout: time.Second,
		InformRetries: 3,
		Window:        64,
		Stream:        "PBX_EVENTS",
		SubjectPrefix: "pbx",
		ValidateEvery: 100,
	}
}

// Validate checks the configuration and fills an empty Target. Each error
// names the flag that is wrong.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, f string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(f, a...)))
	}
	known := false
	for _, p := range Protos {
		known = known || p == c.Proto
	}
	if !known {
		bad("proto", "%q is not one of %s", c.Proto, protoList())
	}
	if c.Target == "" {
		c.Target = DefaultTarget(c.Proto)
	}
	if _, port, err := net.SplitHostPort(c.Target); err != nil || port == "" || port == "0" {
		bad("target", "%q is not host:port", c.Target)
	}
	if c.Count < 1 || c.Count > maxCount {
		bad("count", "must be 1..%d, got %d", maxCount, c.Count)
	}
	if c.Rate < 0 {
		bad("rate", "must not be negative, got %g", c.Rate)
	}
	if c.Duration <= 0 || c.Duration > maxDuration {
		bad("duration", "must be positive and at most %s, got %s", maxDuration, c.Duration)
	}
	if c.Connections < 1 || c.Connections > maxConnections {
		bad("connections", "must be 1..%d, got %d", maxConnections, c.Connections)
	}
	if c.Wait <= 0 || c.Wait > maxDuration {
		bad("wait", "must be positive and at most %s, got %s", maxDuration, c.Wait)
	}
	if c.Format != FormatRFC5424 && c.Format != FormatRFC3164 {
		bad("format", "%q is not %s or %s", c.Format, FormatRFC5424, FormatRFC3164)
	}
	if c.Framing != FramingOctet && c.Framing != FramingLF {
		bad("framing", "%q is not %s or %s", c.Framing, FramingOctet, FramingLF)
	}
	if c.Systems < 1 || c.Systems > 10000 {
		bad("systems", "must be 1..10000, got %d", c.Systems)
	}
	if c.Proto.SNMP() && !c.Proto.V3() && c.Community == "" {
		bad("community", "required for %s", c.Proto)
	}
	if c.Proto.V3() {
		if err := c.User.Normalize(); err != nil {
			bad("snmp-user", "%v", err)
		}
	}
	if c.Proto.Inform() {
		if c.InformTimeout <= 0 {
			bad("inform-timeout", "must be positive, got %s", c.InformTimeout)
		}
		if c.InformRetries < 0 {
			bad("inform-retries", "must not be negative, got %d", c.InformRetries)
		}
		if c.Window < 1 {
			bad("window", "must be at least 1, got %d", c.Window)
		}
	}
	if c.Stream == "" {
		bad("stream-name", "required")
	}
	if err := events.ValidatePrefix(c.SubjectPrefix); err != nil {
		bad("subject-prefix", "%v", err)
	}
	if c.ValidateEvery < 0 {
		bad("validate-every", "must not be negative, got %d", c.ValidateEvery)
	}
	return errors.Join(errs...)
}

func protoList() string {
	s := make([]string, len(Protos))
	for i, p := range Protos {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}
