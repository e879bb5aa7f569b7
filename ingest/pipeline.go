package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/mivb"
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
	names  *SystemNames
	loc    *time.Location
	pub    Publisher
	log    *slog.Logger

	counts PipelineStats
}

// PipelineStats counts what went through the pipeline.
type PipelineStats struct {
	Received   atomic.Uint64 // messages handed in by inputs
	Recognised atomic.Uint64 // of those, MiVB records or traps recognised
	Published  atomic.Uint64 // handed to the publisher
	Invalid    atomic.Uint64 // events that failed validation (a bug: logged loudly)
}

// NewPipeline returns a pipeline publishing under prefix. names may be nil.
func NewPipeline(prefix string, names *SystemNames, loc *time.Location, pub Publisher, log *slog.Logger) *Pipeline {
	if loc == nil {
		loc = time.UTC
	}
	if log == nil {
		log = slog.Default()
	}
	return &Pipeline{prefix: prefix, names: names, loc: loc, pub: pub, log: log}
}

// Stats returns the pipeline's counters.
func (p *Pipeline) Stats() *PipelineStats { return &p.counts }

// HandleSyslog normalises one syslog message and publishes it.
func (p *Pipeline) HandleSyslog(ctx context.Context, m *syslog.Message) error {
	p.counts.Received.Add(1)
	hdr := m.Header
	r := mivb.Recognise(mivb.Input{Text: m.Text, SyslogSeverity: hdr.Severity, Location: p.loc})
	d := events.Data{
		System:     p.names.Name(m.Peer.Addr(), hdr.Hostname),
		Transport:  events.TransportSyslog,
		Peer:       m.Peer.String(),
		ReceivedAt: m.ReceivedAt,
		Syslog:     &hdr,
	}
	applyResult(&d, r, m.Text)
	var at time.Time
	if hdr.Timestamp != nil {
		at = *hdr.Timestamp
	}
	return p.publish(ctx, d, m.Peer.Addr().Unmap().String(), m.Raw, at, nil)
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
	if err := p.pub.Publish(ctx, e.NATSSubject(p.prefix), e.ID, b, done); err != nil {
		return fmt.Errorf("ingest: publish %s: %w", e.ID, err)
	}
	p.counts.Published.Add(1)
	return nil
}
