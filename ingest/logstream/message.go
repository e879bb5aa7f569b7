package logstream

import (
	"context"
	"net/netip"
	"time"
)

// Message is one record line read from a PBX's log stream.
type Message struct {
	Peer       netip.AddrPort // the PBX end of the connection (unmapped IPv4 where applicable)
	Addr       string         // the address configured for it, as given to New
	ReceivedAt time.Time
	// Raw is the line without its CR LF or LF, byte for byte. It is valid
	// only during HandleLogstream.
	Raw []byte
	// Text is Raw as a string (not checked for UTF-8); the handler may
	// keep it.
	Text string
}

// Handler receives every line. It may block: the client then stops
// reading that stream, which is how backpressure reaches the PBX. It must
// not keep m.Raw after returning.
type Handler interface {
	HandleLogstream(ctx context.Context, m *Message) error
}

// HandlerFunc adapts a function to a [Handler].
type HandlerFunc func(ctx context.Context, m *Message) error

// HandleLogstream calls f(ctx, m).
func (f HandlerFunc) HandleLogstream(ctx context.Context, m *Message) error { return f(ctx, m) }
