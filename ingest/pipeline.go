package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/logstream"
	"github.com/pbxalarm/pbxalarm/ingest/mivb"
	"github.com/pbxalarm/pbxalarm/ingest/snmp"
	"github.com/pbxalarm/pbxalarm/ingest/syslog"
)

// Publisher is where the pipeline sends encoded events. Publish may block
// (backpressure) and calls done once the event is stored.
type Publisher interface {
	Publish(ctx context.Context, subject, msgID string, data []byte, done func(error)) error
}

// Pipeline turns what the inputs receive into events and publishes them. It
// is safe for concurrent use by every input's goroutines.
type Pipeline struct {
	prefix string
	// senders names each sender and gives its zone; Reload swaps it.
	senders atomic.Pointer[senders]
	pub     Publisher
	log     *slog.Logger

	// latency, when set, observes each event's time from receipt to
	// its PubAck.
	latency prometheus.Observer

	counts PipelineStats
}

// PipelineStats counts what went through the pipeline.
type PipelineStats struct {
	Received   atomic.Uint64 // messages handed in by inputs
	Parsed     atomic.Uint64 // of those, with a parsed syslog header, SNMP PDU, or a log-stream line
	Recognised atomic.Uint64 // of those, MiVB records or traps recognised
	Published  atomic.Uint64 // handed to the publisher
	Invalid    atomic.Uint64 // events that failed validation (a bug: logged loudly)
}

// NewPipeline returns a pipeline publishing under prefix. names may be nil,
// and zones too (every timestamp that names no zone is then UTC).
func NewPipeline(prefix string, names *SystemNames, zones *Zones, pub Publisher, log *slog.Logger) *Pipeline {
	if log == nil {
		log = slog.Default()
	}
	p := &Pipeline{prefix: prefix, pub: pub, log: log}
	p.setSenders(names, zones)
	return p
}

// senders are what the pipeline knows of each sender by its address.
type senders struct {
	names *SystemNames
	zones *Zones
}

func (p *Pipeline) setSenders(names *SystemNames, zones *Zones) {
	p.senders.Store(&senders{names, zones})
}

// Zone is the zone of a sender's timestamps that name none.
func (p *Pipeline) Zone(sender netip.Addr) *time.Location {
	return p.senders.Load().zones.Location(sender)
}

// name chooses a system's name (SystemNames.Name).
func (p *Pipeline) name(sender netip.Addr, given string) string {
	return p.senders.Load().names.Name(sender, given)
}

// Stats returns the pipeline's counters.
func (p *Pipeline) Stats() *PipelineStats { return &p.counts }

// HandleSyslog normalises one syslog message and publishes it.
func (p *Pipeline) HandleSyslog(ctx context.Context, m *syslog.Message) error {
	p.counts.Received.Add(1)
	hdr := m.Header
	if hdr.Format != syslog.FormatNone {
		p.counts.Parsed.Add(1)
	}
	r := mivb.Recognise(mivb.Input{Text: m.Text, SyslogSeverity: hdr.Severity, Location: p.Zone(m.Peer.Addr())})
	d := events.Data{
		System:     p.name(m.Peer.Addr(), hdr.Hostname),
		Transport:  events.TransportSyslog,
		Peer:       m.Peer.String(),
		ReceivedAt: m.ReceivedAt,
		Syslog:     &hdr,
	}
	applyResult(&d, r, m.Text)
	// A recognised record's own date and time are better than the syslog
	// header's: an RFC 3164 header has no year to infer it from.
	var at time.Time
	switch {
	case r.RecordedAt != nil:
		at = *r.RecordedAt
	case hdr.Timestamp != nil:
		at = *hdr.Timestamp
	}
	return p.publish(ctx, d, m.Peer.Addr().Unmap().String(), m.Raw, at, nil)
}

// HandleLogstream normalises one line of a PBX's maintenance-log stream and
// publishes it. given is the name configured for the stream, if any; the
// record itself names no system.
func (p *Pipeline) HandleLogstream(ctx context.Context, m *logstream.Message, given string) error {
	p.counts.Received.Add(1)
	p.counts.Parsed.Add(1) // a line has no envelope to fail
	r := mivb.Recognise(mivb.Input{Text: m.Text, Location: p.Zone(m.Peer.Addr())})
	d := events.Data{
		System:     p.name(m.Peer.Addr(), given),
		Transport:  events.TransportLogstream,
		Peer:       m.Peer.String(),
		ReceivedAt: m.ReceivedAt,
	}
	applyResult(&d, r, m.Text)
	var at time.Time
	if r.RecordedAt != nil {
		at = *r.RecordedAt
	}
	return p.publish(ctx, d, m.Peer.Addr().Unmap().String(), m.Raw, at, nil)
}

// HandleNotification normalises one SNMP notification and publishes it.
// ack is called once JetStream has stored the event (or with the error that
// stopped it), so an inform is answered only then.
func (p *Pipeline) HandleNotification(ctx context.Context, n *snmp.Notification, ack func(error)) error {
	p.counts.Received.Add(1)
	p.counts.Parsed.Add(1) // the receiver hands on decoded PDUs only
	trap := n.Trap()
	trap.Location = p.Zone(n.Peer.Addr())
	r := mivb.RecogniseTrap(trap)
	info := n.SNMP
	given := n.SysName
	if given == "" {
		given = info.AgentAddress
	}
	d := events.Data{
		System:     p.name(n.Peer.Addr(), given),
		Transport:  events.TransportSNMP,
		Peer:       n.Peer.String(),
		ReceivedAt: n.ReceivedAt,
		SNMP:       &info,
	}
	applyResult(&d, r, describeNotification(&info))
	return p.publish(ctx, d, n.Peer.Addr().Unmap().String(), n.Identity, time.Time{}, ack)
}

// describeNotification is the message of a notification nobody recognised.
func describeNotification(s *events.SNMP) string {
	oid := s.TrapOID
	if oid == "" && s.Enterprise != "" {
		oid = s.Enterprise
		if s.GenericTrap != nil && s.SpecificTrap != nil {
			oid = fmt.Sprintf("%s generic %d specific %d", s.Enterprise, *s.GenericTrap, *s.SpecificTrap)
		}
	}
	return fmt.Sprintf("SNMPv%s %s %s with %d varbinds", s.Version, s.PDU, oid, len(s.Varbinds))
}

// applyResult copies what the recogniser said into the event data.
func applyResult(d *events.Data, r mivb.Result, text string) {
	d.Recognised = r.Recognised
	d.Kind, d.Severity = r.Kind, r.Severity
	if d.Kind == "" {
		d.Kind = events.KindLog
	}
	if !d.Severity.Valid() {
		d.Severity = events.SeverityInfo
	}
	d.Message = r.Message
	if d.Message == "" {
		d.Message = text
	}
	if d.Kind == events.KindLicence {
		d.Cause = r.Cause
		if d.Cause == "" {
			d.Cause = events.CauseUnknown
		}
		d.Day = r.Day
		d.FirstDetectedAt = r.FirstDetectedAt
	}
	d.Release = r.Release
	d.Record = r.Record
}

func (p *Pipeline) publish(ctx context.Context, d events.Data, senderIP string, raw []byte, at time.Time, done func(error)) error {
	if d.Recognised {
		p.counts.Recognised.Add(1)
	}
	e := events.New(d, senderIP, raw, at)
	b, err := e.Marshal()
	if err != nil {
		// A bug, never the sender's fault: keep the bytes as a plain log
		// event rather than lose them.
		p.counts.Invalid.Add(1)
		p.log.Error("event failed validation; publishing as pbx.log", "id", e.ID, "err", err)
		d.Kind, d.Severity, d.Cause, d.Day, d.FirstDetectedAt = events.KindLog, events.SeverityInfo, "", 0, nil
		e = events.New(d, senderIP, raw, at)
		if b, err = e.Marshal(); err != nil {
			return fmt.Errorf("ingest: encode event %s: %w", e.ID, err)
		}
	}
	if p.latency != nil && !d.ReceivedAt.IsZero() {
		done = observeLatency(p.latency, d.ReceivedAt, done)
	}
	if err := p.pub.Publish(ctx, e.NATSSubject(p.prefix), e.ID, b, done); err != nil {
		return fmt.Errorf("ingest: publish %s: %w", e.ID, err)
	}
	p.counts.Published.Add(1)
	return nil
}

// observeLatency wraps done so that an acknowledged event's time since
// receipt is observed: one Observe per event, in the publisher's ack
// goroutine.
func observeLatency(h prometheus.Observer, received time.Time, done func(error)) func(error) {
	return func(err error) {
		if err == nil {
			h.Observe(time.Since(received).Seconds())
		}
		if done != nil {
			done(err)
		}
	}
}
