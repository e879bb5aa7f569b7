package loadgen

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/snmp"
)

// The senders' CPU cost per message: what must stay well below pbxalarm's
// own for the tool not to be the bottleneck.
func BenchmarkBuild(b *testing.B) {
	systems := systemNames(50)
	b.Run("syslog-rfc5424", func(b *testing.B) {
		sb := newSyslogBuilder(FormatRFC5424, "0badcafe", systems)
		var dst []byte
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			dst = sb.append(dst[:0], i, time.Now(), time.Duration(i))
		}
	})
	u, err := snmp.ParseUser(testUser)
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []Proto{TrapV2c, TrapV3} {
		b.Run(string(p), func(b *testing.B) {
			tb := &trapBuilder{proto: p, run: "0badcafe", systems: systems, community: "public",
				engine: func() (uint32, uint32) { return 1, 1 }}
			if p.V3() {
				engine, _ := senderEngineID(u, "0badcafe")
				if tb.keys, err = localise(u, engine); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := tb.build(i, time.Duration(i), requestID(i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The counter's cost per arriving event: finding the token, and decoding
// and validating the event (what --validate-every 1 adds).
func BenchmarkCount(b *testing.B) {
	raw := string(newSyslogBuilder(FormatRFC5424, "0badcafe", systemNames(50)).append(nil, 7, time.Now(), time.Second))
	e := events.New(events.Data{
		System: "BENCH-07", Kind: events.KindLog, Severity: events.SeverityInfo,
		Transport: events.TransportSyslog, Peer: "127.0.0.1:40000", ReceivedAt: time.Now(), Message: raw,
		Syslog: &events.Syslog{Format: "rfc5424", Hostname: "BENCH-07", AppName: "MiVB", MsgID: "MAINT"},
	}, "127.0.0.1", []byte(raw), time.Time{})
	data, err := json.Marshal(&e)
	if err != nil {
		b.Fatal(err)
	}
	f := newTokenFinder("0badcafe")
	b.Run("find-token", func(b *testing.B) {
		for b.Loop() {
			if _, _, ok := f.find(data); !ok {
				b.Fatal("no token")
			}
		}
	})
	b.Run("events.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := events.Unmarshal(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
