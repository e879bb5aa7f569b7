package ingest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/emulator/agent"
	"github.com/pbxalarm/pbxalarm/events"
)

// timezones: gives one PBX its own zone. Its syslog header, its records'
// date and time and their first-detected date are read in that zone,
// whether they come by syslog or by its log stream; every other sender's
// are read in --timezone.
func TestServe_TimezonesPerSender(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	london, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)

	pbx, err := net.Listen("tcp", "127.0.0.2:0") // the New York PBX's log stream
	require.NoError(t, err)
	defer pbx.Close()
	cfg := testConfig(t)
	cfg.Timezone = "Europe/London"
	cfg.Timezones = map[string]string{"127.0.0.2": "America/New_York"}
	cfg.Systems = map[string]string{"127.0.0.2": "PBX-NYC", "127.0.0.1": "PBX-LON"}
	cfg.Logstreams = []string{pbx.Addr().String()}
	r := startService(t, cfg)
	c := collect(t, r.svc.Addrs().NATS, "PBX_EVENTS")

	// From London, by util-linux logger.
	runLogger(t, "--server", "127.0.0.1", "--port", port(r.svc.Addrs().SyslogUDP), "--udp",
		"-t", "MiVB", "-p", "user.warning", licenceMinor)
	london1 := c.next(1)[0]

	// From New York, by syslog with an RFC 3164 header ...
	udp, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)}, r.svc.Addrs().SyslogUDP.(*net.UDPAddr))
	require.NoError(t, err)
	defer udp.Close()
	_, err = udp.Write([]byte("<12>Aug 23 09:00:05 nyc MiVB: " + licenceMinor))
	require.NoError(t, err)
	ny1 := c.next(1)[0]

	// ... and by its log stream.
	conn, err := pbx.Accept()
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte(licenceMinor + "\r\n"))
	require.NoError(t, err)
	ny2 := c.next(1)[0]

	for _, tc := range []struct {
		name   string
		got    received
		system string
		loc    *time.Location
	}{
		{"syslog from London", london1, "PBX-LON", london},
		{"syslog from New York", ny1, "PBX-NYC", newYork},
		{"log stream from New York", ny2, "PBX-NYC", newYork},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.got.event.Data
			assert.Equal(t, tc.system, d.System)
			assert.Equal(t, events.TypeLicenceViolation, tc.got.event.Type)
			want := time.Date(2020, 8, 23, 9, 0, 0, 0, tc.loc)
			assert.True(t, tc.got.event.Time.Equal(want), "event time %v, want %v", tc.got.event.Time, want)
			require.NotNil(t, d.FirstDetectedAt)
			first := time.Date(2020, 8, 21, 9, 0, 0, 0, tc.loc)
			assert.True(t, d.FirstDetectedAt.Equal(first), "first detected %v, want %v", d.FirstDetectedAt, first)
		})
	}
	require.NotNil(t, ny1.event.Data.Syslog.Timestamp)
	assert.True(t, ny1.event.Data.Syslog.Timestamp.Equal(time.Date(ny1.event.Data.Syslog.Timestamp.Year(), 8, 23, 9, 0, 5, 0, newYork)),
		"RFC 3164 header read in New York: %v", ny1.event.Data.Syslog.Timestamp)
}

// A trap 301 whose mitelIpera3000AlmDetectDate has no zone (8 octets) is
// read in the sender's zone; one with a zone (11 octets) keeps its own.
// The read-back from the PBX's agent (the emulator's) shows the licence
// row that makes the trap a licence event with a first-detected time.
func TestServe_TimezonesForATrapsDetectDate(t *testing.T) {
	table := agent.NewTable()
	const entry = "1.3.6.1.4.1.1027.4.1.1.2.2.4.1"
	require.NoError(t, table.SetAll(map[string]agent.Value{
		"1.3.6.1.2.1.1.5.0":              agent.OctetString("MIVB-NYC"),
		"1.3.6.1.4.1.1027.4.1.1.2.2.1.0": agent.Integer(2),
		"1.3.6.1.4.1.1027.4.1.1.2.2.3.0": agent.Integer(1),
		entry + ".1.1":                   agent.Integer(1), entry + ".2.1": agent.Integer(1), entry + ".3.1": agent.Integer(0),
		entry + ".4.1": agent.Integer(2), entry + ".5.1": agent.Integer(1), entry + ".6.1": agent.Integer(1),
		entry + ".7.1": agent.Integer(1), entry + ".8.1": agent.OctetString("License Violation - Security Certificate Update"),
	}))
	ag, err := agent.Listen("127.0.0.1:0", table, agent.WithCommunity("public"))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = ag.Serve(ctx) }()

	cfg := snmpConfig(t)
	cfg.SNMPReadCommunity, cfg.SNMPReadPort = "public", ag.Addr().(*net.UDPAddr).Port
	cfg.Timezones = map[string]string{"127.0.0.1": "America/New_York"}
	r := startService(t, cfg)
	a := r.svc.Addrs()
	c := collect(t, a.NATS, "PBX_EVENTS")
	const detectDate = "1.3.6.1.4.1.1027.4.1.1.2.2.2.0"
	for _, tc := range []struct {
		octets string // hex
		want   time.Time
	}{
		{"07E4081509000000", time.Date(2020, 8, 21, 13, 0, 0, 0, time.UTC)},      // 09:00 in New York
		{"07E40815090000002B0000", time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC)}, // 09:00 +0:0
	} {
		out, err := netSNMP(t, "snmptrap", append([]string{"-v", "2c", "-c", community, "udp:" + a.SNMP.String(), "", trap301},
			append(alarmVarbinds("MIVB-NYC", "2"), detectDate, "x", tc.octets)...)...)
		require.NoError(t, err, out)
		got := c.next(1)[0].event.Data
		require.Equal(t, events.KindLicence, got.Kind, "%s: read back as a licence event", tc.octets)
		require.NotNil(t, got.FirstDetectedAt, tc.octets)
		assert.True(t, got.FirstDetectedAt.Equal(tc.want), "%s: first detected %v, want %v", tc.octets, got.FirstDetectedAt, tc.want)
	}
}
