package syslog

import (
	"context"
	"net/netip"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
)

// Transport names as found in [Message.Transport].
const (
	TransportUDP = "udp"
	TransportTCP = "tcp"
	TransportTLS = "tls"
)

// Framing names as found in events.Syslog.Framing for stream messages.
const (
	FramingOctetCounting = "octet-counting"
	FramingLF            = "lf"
	FramingNUL           = "nul"
)

// Message is one syslog message as received and parsed.
type Message struct {
	Transport  string         // "udp", "tcp" or "tls"
	Peer       netip.AddrPort // the sender (unmapped IPv4 where applicable)
	ReceivedAt time.Time
	// Raw is the frame exactly as received, without the framing: no octet
	// count, no trailing LF, CR LF or NUL. It is valid only during
	// HandleSyslog.
	Raw []byte
	// Header is the parsed header; Format is "rfc5424", "rfc3164" or
	// "none"; Framing is set on streams.
	Header events.Syslog
	// Text is the MSG part where a header was parsed, else the raw bytes
	// as a string.
	Text string
}

// Handler receives every message. It may block (that is how backpressure
// reaches TCP senders); it must not keep m.Raw after returning.
type Handler interface {
	HandleSyslog(ctx context.Context, m *Message) error
}

// HandlerFunc adapts a function to a [Handler].
type HandlerFunc func(ctx context.Context, m *Message) error

// HandleSyslog calls f(ctx, m).
func (f HandlerFunc) HandleSyslog(ctx context.Context, m *Message) error { return f(ctx, m) }
