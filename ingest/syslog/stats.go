package syslog

import "sync/atomic"

// Reasons for which input is rejected, as counted by [Stats] and named in
// the log.
const (
	ReasonEmpty           = "empty"             // an empty datagram or stream frame
	ReasonOversize        = "oversize"          // a frame above the maximum frame size
	ReasonTLSOnPlainPort  = "tls_on_plain_port" // a TLS ClientHello on the plain TCP port
	ReasonConnectionLimit = "connection_limit"  // a connection beyond the limit, closed at once
	ReasonTLSHandshake    = "tls_handshake"     // a failed or timed-out TLS handshake
	ReasonHandlerError    = "handler_error"     // the handler returned an error
	ReasonNotAllowed      = "not_allowed"       // a sender not on the allow-list (datagram dropped, connection closed at accept)
	ReasonRateLimited     = "rate_limited"      // a message beyond its sender's rate, dropped
)

var reasons = [...]string{
	ReasonEmpty, ReasonOversize, ReasonTLSOnPlainPort,
	ReasonConnectionLimit, ReasonTLSHandshake, ReasonHandlerError,
	ReasonNotAllowed, ReasonRateLimited,
}

// Stats counts what the listeners received and rejected. The zero value is
// ready to use; share one between listeners with [WithStats]. All methods
// are safe for concurrent use.
type Stats struct {
	received    [3]atomic.Uint64 // by transport: udp, tcp, tls
	rejected    [len(reasons)]atomic.Uint64
	unparsed    atomic.Uint64 // delivered with Format "none"
	truncated   atomic.Uint64 // delivered although the stream ended inside the frame
	accepted    atomic.Uint64 // stream connections accepted
	idleClosed  atomic.Uint64 // stream connections closed for idleness
	readErrors  atomic.Uint64 // socket read errors other than close and timeout
	connections atomic.Int64  // stream connections open now
}

func transportIndex(t string) int {
	switch t {
	case TransportTCP:
		return 1
	case TransportTLS:
		return 2
	}
	return 0
}

func (s *Stats) reject(reason string) {
	for i, r := range reasons {
		if r == reason {
			s.rejected[i].Add(1)
			return
		}
	}
}

// Received returns how many messages were delivered on a transport ("udp",
// "tcp" or "tls").
func (s *Stats) Received(transport string) uint64 {
	return s.received[transportIndex(transport)].Load()
}

// Rejected returns how many times input was rejected for reason (one of the
// Reason constants).
func (s *Stats) Rejected(reason string) uint64 {
	for i, r := range reasons {
		if r == reason {
			return s.rejected[i].Load()
		}
	}
	return 0
}

// Snapshot returns every counter by name: received_<transport>,
// rejected_<reason>, unparsed, truncated, connections_accepted,
// connections_idle_closed, connections_open and read_errors.
func (s *Stats) Snapshot() map[string]uint64 {
	m := map[string]uint64{
		"received_udp":            s.received[0].Load(),
		"received_tcp":            s.received[1].Load(),
		"received_tls":            s.received[2].Load(),
		"unparsed":                s.unparsed.Load(),
		"truncated":               s.truncated.Load(),
		"connections_accepted":    s.accepted.Load(),
		"connections_idle_closed": s.idleClosed.Load(),
		"connections_open":        uint64(max(s.connections.Load(), 0)),
		"read_errors":             s.readErrors.Load(),
	}
	for i, r := range reasons {
		m["rejected_"+r] = s.rejected[i].Load()
	}
	return m
}

// Reasons returns every rejection reason [Stats] counts, in a fixed order.
func Reasons() []string { return append([]string(nil), reasons[:]...) }
