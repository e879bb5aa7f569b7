package ingest

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/snmp"
)

const (
	trap301   = "1.3.6.1.4.1.1027.1.2.3.0.301"
	oidSys    = "1.3.6.1.2.1.1.5.0"
	oidLevel  = "1.3.6.1.4.1.1027.4.1.1.2.2.1.0"
	oidNCat   = "1.3.6.1.4.1.1027.4.1.1.2.2.3.0"
	community = "mivb-e2e"
)

// netSNMP runs one of net-snmp's tools with no MIBs and private state.
func netSNMP(t *testing.T, tool string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath(tool)
	require.NoError(t, err, "net-snmp's %s is required (Debian package snmp); .ci/run installs it", tool)
	dir := t.TempDir()
	cmd := exec.Command(path, append([]string{"-Le", "-M", dir, "-m", "", "--persistentDir=" + dir}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "SNMPCONFPATH="+dir, "SNMP_PERSISTENT_DIR="+dir, "MIBS=", "MIBDIRS="+dir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func snmpConfig(t *testing.T) Config {
	cfg := testConfig(t)
	cfg.SNMPUDP = "127.0.0.1:0"
	cfg.SNMPCommunities = []string{community}
	u, err := snmp.ParseUser("e2eops:SHA:auth-pass-1:AES:priv-pass-1@any")
	require.NoError(t, err)
	cfg.SNMPUsers = []snmp.User{u}
	return cfg
}

func alarmVarbinds(sysName, level string) []string {
	return []string{oidSys, "s", sysName, oidLevel, "i", level, oidNCat, "i", "1"}
}

// net-snmp's snmptrap, through serve, to NATS: trap 301 becomes an alarm
// event of the trap's level, and the community never reaches the event.
func TestServe_SNMPTrapToNATS(t *testing.T) {
	r := startService(t, snmpConfig(t))
	a := r.svc.Addrs()
	c := collect(t, a.NATS, "PBX_EVENTS")
	out, err := netSNMP(t, "snmptrap", append([]string{"-v", "2c", "-c", community, "udp:" + a.SNMP.String(), "", trap301},
		alarmVarbinds("MIVB-E2E", "3")...)...)
	require.NoError(t, err, out)
	got := c.next(1)[0]
	e := got.event
	assert.Equal(t, "pbx.mivb-e2e.alarm.major", got.subject)
	assert.Equal(t, events.TypeAlarm, e.Type)
	assert.Equal(t, events.TransportSNMP, e.Data.Transport)
	require.NotNil(t, e.Data.SNMP)
	assert.Equal(t, "2c", e.Data.SNMP.Version)
	assert.Equal(t, trap301, e.Data.SNMP.TrapOID)
	assert.False(t, e.Data.SNMP.Enriched, "no read-back configured")
	raw, err := e.Data.RawBytes()
	require.NoError(t, err)
	assert.NotContains(t, string(raw), community, "the community string must not reach the event")
	assert.NotContains(t, string(got.event.Data.Message), community)
}

// An inform is answered only once JetStream has stored its event: with no
// stream to store it, net-snmp's snmpinform gets no answer; with one, it does.
func TestServe_SNMPInformAnsweredOnlyAfterStored(t *testing.T) {
	cfg := snmpConfig(t)
	cfg.StreamSetup = false
	r := startService(t, cfg)
	a := r.svc.Addrs()
	inform := func(sys string) (string, error) {
		return netSNMP(t, "snmpinform", append([]string{"-v", "2c", "-c", community, "-t", "1", "-r", "1",
			"udp:" + a.SNMP.String(), "", trap301}, alarmVarbinds(sys, "4")...)...)
	}
	out, err := inform("NOSTREAM")
	require.Error(t, err, "snmpinform must get no response while nothing can store the event: %s", out)

	nc, err := nats.Connect(a.NATS)
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "PBX_EVENTS", Subjects: []string{"pbx.>"}})
	require.NoError(t, err)
	c := collect(t, a.NATS, "PBX_EVENTS")

	out, err = inform("STORED")
	require.NoError(t, err, "snmpinform must be answered once the event is stored: %s", out)
	// The first inform's event may land too, once the stream exists (the
	// publisher keeps retrying it); STORED must be among what arrives.
	for sawStored := false; !sawStored; {
		sawStored = c.next(1)[0].event.Data.System == "STORED"
	}
}

// SNMPv3 authPriv inform with net-snmp (discovering pbxalarm's engine ID)
// arrives; a wrong passphrase and a wrong community arrive nowhere.
func TestServe_SNMPv3InformAndRejections(t *testing.T) {
	r := startService(t, snmpConfig(t))
	a := r.svc.Addrs()
	c := collect(t, a.NATS, "PBX_EVENTS")
	target := "udp:" + a.SNMP.String()

	out, err := netSNMP(t, "snmptrap", append([]string{"-v", "2c", "-c", "wrong-community", target, "", trap301},
		alarmVarbinds("BADCOMM", "2")...)...)
	require.NoError(t, err, out)
	out, err = netSNMP(t, "snmptrap", append([]string{"-v", "3", "-u", "e2eops", "-l", "authPriv", "-a", "SHA", "-A", "wrong-pass-1",
		"-x", "AES", "-X", "priv-pass-1", "-e", "0x8000000001020304", target, "", trap301}, alarmVarbinds("BADAUTH", "2")...)...)
	require.NoError(t, err, out)
	out, err = netSNMP(t, "snmpinform", append([]string{"-v", "3", "-u", "e2eops", "-l", "authPriv", "-a", "SHA", "-A", "auth-pass-1",
		"-x", "AES", "-X", "priv-pass-1", "-t", "3", "-r", "2", target, "", trap301}, alarmVarbinds("V3OK", "2")...)...)
	require.NoError(t, err, out)

	got := c.next(1)[0]
	assert.Equal(t, "V3OK", got.event.Data.System)
	assert.Equal(t, "3", got.event.Data.SNMP.Version)
	assert.Equal(t, "inform", got.event.Data.SNMP.PDU)
	assert.Equal(t, "e2eops", got.event.Data.SNMP.User)
	assert.Equal(t, events.SeverityMinor, got.event.Data.Severity)
	b, _ := base64.StdEncoding.DecodeString(got.event.Data.Raw)
	assert.NotContains(t, string(b), "priv-pass-1")
	c.none(300 * time.Millisecond)
	st := r.svc.SNMPStats()
	assert.NotZero(t, st.Rejected(snmp.ReasonBadCommunity), "wrong community counted")
	assert.NotZero(t, st.Rejected(snmp.ReasonAuthFailure), "wrong passphrase counted")
}
