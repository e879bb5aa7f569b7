package ingest

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/emulator"
	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

// fleetRun is one emulator run into a real serve over real sockets.
type fleetRun struct {
	expected []emulator.Expectation
	got      []received
	summary  emulator.Summary
	svc      *Service
}

// runFleet plays a scenario at instant speed through syslog (TCP, octet
// counted), SNMP traps (with read-back from each system's agent) and the
// maintenance-log stream into a serve, and collects every event.
func runFleet(t *testing.T, scenario string, opts ...emulator.Option) fleetRun {
	t.Helper()
	sc, err := emulator.Load(scenario)
	require.NoError(t, err)
	opts = append([]emulator.Option{emulator.WithLinger(3 * time.Second)}, opts...)
	names, err := emulator.Systems(sc, opts...)
	require.NoError(t, err)

	agentPort, streamPort := testnet.FreePort(t, "udp"), testnet.FreePort(t, "tcp")
	cfg := snmpConfig(t)
	cfg.SNMPCommunities = []string{"public"}
	cfg.SNMPReadCommunity = "public"
	cfg.SNMPReadPort = agentPort
	cfg.Systems = names
	cfg.Timezones, err = emulator.Zones(sc, opts...)
	require.NoError(t, err)
	for ip := range names {
		cfg.Logstreams = append(cfg.Logstreams, net.JoinHostPort(ip, strconv.Itoa(streamPort)))
	}
	r := startService(t, cfg)
	a := r.svc.Addrs()
	c := collect(t, a.NATS, "PBX_EVENTS")

	targets := emulator.Targets{
		Syslog:    []string{"tcp+octet://" + a.SyslogTCP.String()},
		SNMP:      a.SNMP.String(),
		Community: "public", AgentPort: agentPort, LogstreamPort: streamPort,
	}
	expected, err := emulator.Expect(sc, targets, opts...)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sum, err := emulator.Run(ctx, sc, targets, opts...)
	require.NoError(t, err)
	require.Zero(t, sum.Failed.Total(), "the fleet failed to send some messages")
	got := c.next(len(expected))
	c.none(time.Second)
	return fleetRun{expected: expected, got: got, summary: sum, svc: r.svc}
}

// meaningKey is what an event means, comparable with an expectation. A
// trap 301's kind depends on when the read-back ran, so it is compared by
// level only. A recognised record's time is its own, written in its
// system's zone, and read back in the zone pbxalarm was given for it.
type meaningKey struct {
	system    string
	transport events.Transport
	kind      events.Kind
	severity  events.Severity
	cause     events.Cause
	day       int
	at        string // a recognised record's time (RFC 3339, UTC), else empty
}

func isTrap301(transport events.Transport, kind events.Kind, readBack bool) bool {
	return transport == events.TransportSNMP && (kind == events.KindAlarm || readBack)
}

// isAlarmTrap says whether a notification is trap 301, as v2c or v1.
func isAlarmTrap(s *events.SNMP) bool {
	return s != nil && (s.TrapOID == "1.3.6.1.4.1.1027.1.2.3.0.301" ||
		s.Enterprise == "1.3.6.1.4.1.1027.1.2.3" && s.SpecificTrap != nil && *s.SpecificTrap == 301)
}

func expectedKey(e emulator.Expectation) meaningKey {
	k := meaningKey{e.System, e.Transport, e.Kind, e.Severity, e.Cause, e.Day, ""}
	if e.Recognised && e.Transport != events.TransportSNMP {
		k.at = e.At.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	if isTrap301(e.Transport, e.Kind, e.ReadBack != nil) {
		k.kind, k.cause, k.day = "alarm|licence", "", 0
	}
	return k
}

func receivedKey(g received) meaningKey {
	d := g.event.Data
	k := meaningKey{d.System, d.Transport, d.Kind, d.Severity, d.Cause, d.Day, ""}
	if d.Recognised && d.Transport != events.TransportSNMP {
		k.at = g.event.Time.UTC().Format(time.RFC3339)
	}
	if isAlarmTrap(d.SNMP) {
		k.kind, k.cause, k.day = "alarm|licence", "", 0
	}
	return k
}

// assertSameEvents checks that what arrived is exactly what the fleet
// sent, message for message, and that each system's records arrived in
// the order it sent them on each ordered transport.
func assertSameEvents(t *testing.T, run fleetRun) {
	t.Helper()
	want := map[meaningKey]int{}
	for _, e := range run.expected {
		want[expectedKey(e)]++
	}
	for _, g := range run.got {
		want[receivedKey(g)]--
	}
	var diffs []string
	for k, n := range want {
		if n != 0 {
			diffs = append(diffs, fmt.Sprintf("%+v: %+d", k, n))
		}
	}
	sort.Strings(diffs)
	assert.Empty(t, diffs, "expected minus received (positive: missing, negative: extra)")

	type seqKey struct {
		system    string
		transport events.Transport
	}
	wantOrder, gotOrder := map[seqKey][]meaningKey{}, map[seqKey][]meaningKey{}
	for _, e := range run.expected {
		if e.Transport != events.TransportSNMP && e.Kind == events.KindLicence {
			k := seqKey{e.System, e.Transport}
			wantOrder[k] = append(wantOrder[k], expectedKey(e))
		}
	}
	for _, g := range run.got {
		if d := g.event.Data; d.Transport != events.TransportSNMP && d.Kind == events.KindLicence {
			k := seqKey{d.System, d.Transport}
			gotOrder[k] = append(gotOrder[k], receivedKey(g))
		}
	}
	for k, w := range wantOrder {
		assert.Equal(t, w, gotOrder[k], "licence events of %s over %s, in order", k.system, k.transport)
	}
}

// levelsBySystem lists, per system, the licence levels its syslog records
// went through (repeats folded).
func levelsBySystem(got []received) map[string][]events.Severity {
	out := map[string][]events.Severity{}
	for _, g := range got {
		d := g.event.Data
		if d.Transport != events.TransportSyslog || d.Kind != events.KindLicence {
			continue
		}
		l := out[d.System]
		if len(l) == 0 || l[len(l)-1] != d.Severity {
			out[d.System] = append(l, d.Severity)
		}
	}
	return out
}

func TestEmulator_Cert2020ThroughServe(t *testing.T) {
	run := runFleet(t, "cert-2020", emulator.WithInstant())
	assertSameEvents(t, run)
	levels := levelsBySystem(run.got)
	lock := []events.Severity{events.SeverityWarning, events.SeverityMinor, events.SeverityMajor,
		events.SeverityCritical, events.SeveritySystemLock}
	assert.Equal(t, append(lock, events.SeverityCleared), levels["PBX-LON-01"], "unpatched: escalates to System Lock, then the patch clears it")
	assert.Equal(t, []events.Severity{events.SeverityWarning, events.SeverityMinor, events.SeverityMajor, events.SeverityCleared},
		levels["PBX-NYC-02"], "patched on 28 August: clears then")
	assert.Empty(t, levels["PBX-PAR-03"], "9.0 SP3 raises nothing")
	assert.Empty(t, levels["PBX-BER-04"], "patched beforehand raises nothing")
	for _, g := range run.got {
		if d := g.event.Data; d.Kind == events.KindLicence {
			assert.Equal(t, events.CauseCertificateUpdate, d.Cause, "%s: %s", d.System, d.Message)
		}
	}
}

// Played in (fast) real time, each trap 301 is read back from the sending
// PBX's own emulated agent while the PBX is still in the state the trap
// announced: every trap is enriched, and a level change caused by the
// licence violation becomes a licence event, exactly as the fleet says.
func TestEmulator_TrapsEnrichedFromEachSystemsAgent(t *testing.T) {
	run := runFleet(t, "cert-2020", emulator.WithFleet(2), emulator.WithSpeed(150000)) // slow enough that a read-back on a busy machine still finds the state the trap announced
	assertSameEvents(t, run)
	want := map[meaningKey]int{}
	for _, e := range run.expected {
		if e.Transport == events.TransportSNMP && isTrap301(e.Transport, e.Kind, e.ReadBack != nil) {
			k := meaningKey{e.System, e.Transport, e.Kind, e.Severity, e.Cause, 0, ""}
			if e.ReadBack != nil {
				k.kind, k.cause = e.ReadBack.Kind, e.ReadBack.Cause
			}
			want[k]++
		}
	}
	var licence int
	for _, g := range run.got {
		s := g.event.Data.SNMP
		if !isAlarmTrap(s) {
			continue
		}
		assert.True(t, s.Enriched, "trap from %s not enriched: %s", g.event.Data.System, s.EnrichError)
		assert.Contains(t, s.SysDescr, "VerMCD:", "sysDescr read back")
		assert.NotEmpty(t, g.event.Data.Release, "release from sysDescr")
		d := g.event.Data
		want[meaningKey{d.System, d.Transport, d.Kind, d.Severity, d.Cause, 0, ""}]--
		if d.Kind == events.KindLicence {
			licence++
		}
	}
	for k, n := range want {
		assert.Zero(t, n, "trap meaning after read-back %+v: off by %d", k, n)
	}
	assert.NotZero(t, licence, "the unpatched system's escalation traps read back as licence events")
}

func TestEmulator_OveruseExpiredMixedThroughServe(t *testing.T) {
	for _, name := range []string{"overuse", "expired", "mixed"} {
		t.Run(name, func(t *testing.T) {
			run := runFleet(t, name, emulator.WithInstant())
			assertSameEvents(t, run)
			assert.NotEmpty(t, levelsBySystem(run.got), "the scenario raises violations")
		})
	}
}
