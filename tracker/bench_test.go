package tracker

import (
	"testing"

	"github.com/pbxalarm/pbxalarm/events"
)

// Apply is the tracker's CPU cost per event, before NATS.
func BenchmarkApply(b *testing.B) {
	e := licenceEvent("HQ", events.TransportSyslog, events.SeverityMinor, events.CauseCertificateUpdate, day(3), 3)
	var st State
	var seq uint64
	b.ReportAllocs()
	for b.Loop() {
		seq++
		st, _ = Apply(st, &e, seq, Schedules{}, t0)
	}
}
