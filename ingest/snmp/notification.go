package snmp

import (
	"context"
	"net/netip"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/mivb"
)

// Notification is one decoded trap or inform.
type Notification struct {
	Peer       netip.AddrPort // the sender (unmapped IPv4 where applicable)
	ReceivedAt time.Time
	// Identity is what the event id is made from. For v1 and v2c it is the
	// PDU exactly as received, without the version and community around
	// it; for v3 a DER encoding of the engine ID, user name, request id and
	// varbinds (see identityV3). Either way a retried inform gives the same
	// bytes, and no community string or security parameter is in it.
	Identity []byte
	// SNMP holds the version, PDU type, trap OID, v1 header fields, uptime,
	// v3 user, varbinds and what was read back from the PBX.
	SNMP events.SNMP
	// SysName is sysName.0 from the varbinds, where present.
	SysName string
}

// Trap returns what the MiVB recogniser needs from n.
func (n *Notification) Trap() mivb.Trap {
	s := &n.SNMP
	t := mivb.Trap{
		Version: s.Version, TrapOID: s.TrapOID, Enterprise: s.Enterprise,
		Varbinds: s.Varbinds, Categories: s.Categories, SysDescr: s.SysDescr,
	}
	if s.GenericTrap != nil {
		t.Generic = *s.GenericTrap
	}
	if s.SpecificTrap != nil {
		t.Specific = *s.SpecificTrap
	}
	return t
}

// Handler receives each accepted notification. For an inform, the receiver
// sends the Response only after ack(nil) is called (the pipeline calls it
// after the JetStream PubAck); ack(err) or no call at all sends nothing, so
// the sender retries. For a trap ack may be ignored. ack may be called from
// any goroutine, at any time; calls after the first do nothing.
//
// HandleNotification may block: that is the backpressure on the socket.
// The notification is the handler's to keep.
type Handler interface {
	HandleNotification(ctx context.Context, n *Notification, ack func(error)) error
}

// HandlerFunc adapts a function to a [Handler].
type HandlerFunc func(ctx context.Context, n *Notification, ack func(error)) error

// HandleNotification calls f(ctx, n, ack).
func (f HandlerFunc) HandleNotification(ctx context.Context, n *Notification, ack func(error)) error {
	return f(ctx, n, ack)
}
