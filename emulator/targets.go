package emulator

import (
	"fmt"
	"net"
	"net/url"
	"strconv"

	"github.com/pbxalarm/pbxalarm/ingest/snmp"
)

// Targets are where the fleet sends and what it serves.
type Targets struct {
	// Syslog are the syslog receivers: udp://host:port, tcp://host:port
	// (LF framing), tcp+octet://host:port (RFC 6587 octet counting) or
	// tls://host:port (RFC 5425, octet counting). Each system opens its
	// own connection to each stream target.
	Syslog []string
	// SyslogFormat is rfc3164 (default) or rfc5424.
	SyslogFormat string
	// TLSInsecure skips verifying the receiver's certificate; TLSCA is a
	// PEM file of the CAs to trust instead of the system's.
	TLSInsecure bool
	TLSCA       string
	// SNMP is the trap receiver, host:port; empty sends no traps.
	SNMP string
	// SNMPVersion is "1" (default), "2c" or "3".
	SNMPVersion string
	// Community is the trap community of v1 and v2c (default "public").
	Community string
	// User is the SNMPv3 user (snmp.ParseUser): traps are sent with the
	// user's engine ID when it gives one, else each system's own.
	User snmp.User
	// Inform sends informs instead of traps (v2c and v3), resent until
	// acknowledged (WithInformTimeout).
	Inform bool
	// AgentPort, when not 0, starts an SNMP agent on each system's
	// address at this port, answering AgentCommunity (default "public").
	AgentPort      int
	AgentCommunity string
	// LogstreamPort, when not 0, starts a maintenance-log stream on each
	// system's address at this port.
	LogstreamPort int
}

// Syslog formats.
const (
	FormatRFC3164 = "rfc3164"
	FormatRFC5424 = "rfc5424"
)

// syslogTarget is a parsed syslog URL.
type syslogTarget struct {
	url     string
	network string // udp or tcp
	addr    string
	octet   bool // octet counting, else LF framing (streams)
	tls     bool
}

func parseSyslogTarget(s string) (syslogTarget, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return syslogTarget{}, fmt.Errorf("syslog target %q: want udp://, tcp://, tcp+octet:// or tls:// followed by host:port", s)
	}
	t := syslogTarget{url: s, addr: u.Host}
	switch u.Scheme {
	case "udp":
		t.network = "udp"
	case "tcp":
		t.network = "tcp"
	case "tcp+octet":
		t.network, t.octet = "tcp", true
	case "tls":
		t.network, t.octet, t.tls = "tcp", true, true
	default:
		return syslogTarget{}, fmt.Errorf("syslog target %q: scheme %q is not udp, tcp, tcp+octet or tls", s, u.Scheme)
	}
	if err := checkHostPort(u.Host); err != nil {
		return syslogTarget{}, fmt.Errorf("syslog target %q: %w", s, err)
	}
	return t, nil
}

func checkHostPort(hp string) error {
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		return err
	}
	if host == "" {
		return fmt.Errorf("no host in %q", hp)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not 1..65535", port)
	}
	return nil
}

// checked validates the targets, fills defaults and parses the syslog
// URLs; errors name the field.
func (t Targets) checked() (Targets, []syslogTarget, error) {
	var out []syslogTarget
	for i, s := range t.Syslog {
		st, err := parseSyslogTarget(s)
		if err != nil {
			return t, nil, fmt.Errorf("emulator: targets: syslog[%d]: %w", i, err)
		}
		out = append(out, st)
	}
	bad := func(field, format string, a ...any) (Targets, []syslogTarget, error) {
		return t, nil, fmt.Errorf("emulator: targets: "+field+": "+format, a...)
	}
	switch t.SyslogFormat {
	case "":
		t.SyslogFormat = FormatRFC3164
	case FormatRFC3164, FormatRFC5424:
	default:
		return bad("syslog format", "%q is not rfc3164 or rfc5424", t.SyslogFormat)
	}
	if t.SNMPVersion == "" {
		t.SNMPVersion = "1"
	}
	if t.Community == "" {
		t.Community = "public"
	}
	if t.AgentCommunity == "" {
		t.AgentCommunity = "public"
	}
	switch t.SNMPVersion {
	case "1", "2c", "3":
	default:
		return bad("snmp version", "%q is not 1, 2c or 3", t.SNMPVersion)
	}
	if t.SNMP != "" {
		if err := checkHostPort(t.SNMP); err != nil {
			return bad("snmp", "%v", err)
		}
	}
	if t.Inform && t.SNMPVersion == "1" {
		return bad("inform", "SNMPv1 has no informs: use version 2c or 3")
	}
	if t.SNMPVersion == "3" {
		u := t.User
		if err := u.Normalize(); err != nil {
			return bad("user", "SNMPv3 needs a valid user: %v", err)
		}
		t.User = u
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"agent port", t.AgentPort}, {"logstream port", t.LogstreamPort}} {
		if p.v < 0 || p.v > 65535 {
			return bad(p.name, "%d is not 0..65535", p.v)
		}
	}
	if t.AgentPort != 0 && t.AgentPort == t.LogstreamPort {
		// Different protocols (UDP, TCP), but one number for two things
		// is a typo more often than a plan.
		return bad("logstream port", "%d is also the agent port", t.LogstreamPort)
	}
	return t, out, nil
}
