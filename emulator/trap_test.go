package emulator

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/snmp"
)

// trapSummary names a notification the same way for a decoded packet
// and a planned one: "301 level 2", "302 cause 2", "303 reset 4",
// "coldStart".
func plannedSummary(tm *trapMsg) string {
	switch tm.specific {
	case 0:
		return "coldStart"
	case trapAlarm:
		return fmt.Sprintf("301 level %d", tm.vars[1].Value)
	case trapShutdown:
		return fmt.Sprintf("302 cause %d", tm.vars[1].Value)
	}
	return fmt.Sprintf("303 reset %d", tm.vars[1].Value)
}

func varbind(p *gosnmp.SnmpPacket, oid string) (gosnmp.SnmpPDU, bool) {
	for _, v := range p.Variables {
		if strings.TrimPrefix(v.Name, ".") == oid {
			return v, true
		}
	}
	return gosnmp.SnmpPDU{}, false
}

// decodedSummary checks a decoded notification from the system called
// name at ip and summarises it.
func decodedSummary(t *testing.T, p *gosnmp.SnmpPacket, version gosnmp.SnmpVersion, ip, name string) string {
	t.Helper()
	require.Equal(t, version, p.Version)
	var oid string
	if version == gosnmp.Version1 {
		require.Equal(t, gosnmp.Trap, p.PDUType)
		assert.Equal(t, ip, p.AgentAddress, "agent-addr is the system's address")
		assert.Equal(t, "."+oidMitelIpera3000, p.Enterprise)
		switch p.GenericTrap {
		case 0:
			assert.Zero(t, p.SpecificTrap)
			oid = oidColdStart
		case 6:
			oid = fmt.Sprintf("%s.0.%d", oidMitelIpera3000, p.SpecificTrap)
		default:
			t.Fatalf("generic trap %d", p.GenericTrap)
		}
	} else {
		require.GreaterOrEqual(t, len(p.Variables), 2)
		assert.Equal(t, ".1.3.6.1.2.1.1.3.0", p.Variables[0].Name)
		assert.Equal(t, gosnmp.TimeTicks, p.Variables[0].Type)
		assert.Equal(t, "."+oidSnmpTrapOID, p.Variables[1].Name)
		oid = strings.TrimPrefix(p.Variables[1].Value.(string), ".")
	}
	if oid == oidColdStart {
		return "coldStart"
	}
	sn, ok := varbind(p, oidSysName)
	require.True(t, ok, "every Mitel trap names its system")
	assert.Equal(t, name, string(sn.Value.([]byte)))
	intOf := func(o string) int {
		v, ok := varbind(p, o)
		require.True(t, ok, o)
		require.Equal(t, gosnmp.Integer, v.Type, o)
		return v.Value.(int)
	}
	switch oid {
	case oidMitelIpera3000 + ".0.301":
		level := intOf(oidAlmLevel)
		assert.True(t, level >= 1 && level <= 4, "almClear..almCritical")
		d, ok := varbind(p, oidAlmDetectDate)
		require.True(t, ok)
		assert.Len(t, d.Value.([]byte), 11, "DateAndTime with zone")
		assert.Equal(t, len(categoryRows)+map[bool]int{true: 1, false: 0}[intOf(oidAlmNbrCategories) > len(categoryRows)], intOf(oidAlmNbrCategories))
		return fmt.Sprintf("301 level %d", level)
	case oidMitelIpera3000 + ".0.302":
		return fmt.Sprintf("302 cause %d", intOf(oidShutdownCause))
	case oidMitelIpera3000 + ".0.303":
		return fmt.Sprintf("303 reset %d", intOf(oidResetCause))
	}
	t.Fatalf("unexpected notification %s", oid)
	return ""
}

func TestRun_TrapsFromEachSystemsAddress(t *testing.T) {
	sc := mustParse(t, smallScenario)
	names, err := Systems(sc)
	require.NoError(t, err)
	p := planOf(t, sc)
	want := map[string][]string{}
	for _, it := range p.items {
		if it.kind == itemTrap {
			want[p.systems[it.sys].ip.String()] = append(want[p.systems[it.sys].ip.String()], plannedSummary(it.trap))
		}
	}
	require.Contains(t, want["127.0.0.3"], "302 cause 2", "the scenario restarts PBX-B after a software failure")
	require.Contains(t, want["127.0.0.3"], "303 reset 4")
	require.Contains(t, want["127.0.0.3"], "coldStart")

	authPriv, err := snmp.ParseUser("ops:SHA:secret123:AES:secret456@any")
	require.NoError(t, err)
	authMD5, err := snmp.ParseUser("mon:MD5:secret123:none:@8000040301c0a80001")
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		version string
		user    snmp.User
		gv      gosnmp.SnmpVersion
	}{
		{"v1", "1", snmp.User{}, gosnmp.Version1},
		{"v2c", "2c", snmp.User{}, gosnmp.Version2c},
		{"v3 authPriv SHA AES, the system's engine", "3", authPriv, gosnmp.Version3},
		{"v3 authNoPriv MD5, the user's engine", "3", authMD5, gosnmp.Version3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUDPReceiver(t)
			tg := Targets{SNMP: u.addr(), SNMPVersion: tc.version, Community: "mivb-traps", User: tc.user}
			sum, err := Run(context.Background(), sc, tg, WithInstant())
			require.NoError(t, err)
			waitFor(t, "every trap", func() bool { return len(u.all()) == sum.Sent.SNMP })
			got := map[string][]string{}
			for _, d := range u.all() {
				ip := d.from.Addr().String()
				g := &gosnmp.GoSNMP{Version: tc.gv, Logger: gosnmp.NewLogger(nil)}
				if tc.gv == gosnmp.Version3 {
					engine := engineID(d.from.Addr())
					if tc.user.EngineID != "any" {
						engine = string(mustHex(t, tc.user.EngineID))
					}
					g.SecurityModel, g.MsgFlags = gosnmp.UserSecurityModel, tc.user.MsgFlags() // checks the digest
					g.SecurityParameters = tc.user.USM(engine)
				}
				pkt, err := g.UnmarshalTrap(d.data, false)
				require.NoError(t, err)
				if tc.gv != gosnmp.Version3 {
					assert.Equal(t, "mivb-traps", pkt.Community)
				} else {
					assert.Equal(t, tc.user.MsgFlags(), pkt.MsgFlags&gosnmp.AuthPriv, "sent at the user's level")
					usm := pkt.SecurityParameters.(*gosnmp.UsmSecurityParameters)
					assert.Equal(t, g.SecurityParameters.(*gosnmp.UsmSecurityParameters).AuthoritativeEngineID, usm.AuthoritativeEngineID, "the trap's engine")
					assert.Equal(t, tc.user.Name, usm.UserName)
				}
				got[ip] = append(got[ip], decodedSummary(t, pkt, tc.gv, ip, names[ip]))
			}
			for ip := range want {
				assert.Equal(t, sorted(want[ip]), sorted(got[ip]), "traps from %s (%s)", ip, names[ip])
			}
			assert.Len(t, got, len(want))
		})
	}
}

// TestPlan_TrapLevelsFollowTheMapping walks a violation through every
// level: Warning raises no alarm, Minor 2, Major 3, Critical 4, System
// Lock stays 4 (no change, no trap), Clear 1.
func TestPlan_TrapLevelsFollowTheMapping(t *testing.T) {
	sc := mustParse(t, `
start: 2020-08-20T00:00:00Z
end: 2020-09-15T00:00:00Z
schedule: cert-2020
systems:
  - name: PBX-T
    release: 8.0
    detects_at: "09:00"
    events: [{at: 2020-09-12T10:00:00Z, do: patch}]
`)
	p := planOf(t, sc)
	var traps, levels []string
	for _, it := range p.items {
		switch {
		case it.kind == itemTrap:
			traps = append(traps, it.at.Format("01-02T15:04")+" "+plannedSummary(it.trap))
			assert.Equal(t, events.KindAlarm, it.trap.expect.kind)
		case it.level != nil:
			levels = append(levels, it.at.Format("01-02T15:04")+" "+it.level.Level.String())
		}
	}
	assert.Equal(t, []string{"08-21T09:00 Warning", "08-23T09:00 Minor", "08-28T09:00 Major", "09-04T09:00 Critical", "09-11T00:00 System Lock", "09-12T10:00 Clear"}, levels)
	assert.Equal(t, []string{"08-23T09:00 301 level 2", "08-28T09:00 301 level 3", "09-04T09:00 301 level 4", "09-12T10:00 301 level 1"}, traps)
}

func TestRun_InformsAreAcknowledged(t *testing.T) {
	tl := gosnmp.NewTrapListener()
	tl.Params = &gosnmp.GoSNMP{Version: gosnmp.Version2c, Community: "public", Logger: gosnmp.NewLogger(nil)}
	got := make(chan *gosnmp.SnmpPacket, 1000)
	tl.OnNewTrap = func(p *gosnmp.SnmpPacket, _ *net.UDPAddr) { got <- p }
	ln, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.LocalAddr().String()
	ln.Close()
	go func() { _ = tl.Listen(addr) }()
	select {
	case <-tl.Listening():
	case <-time.After(5 * time.Second):
		t.Fatal("trap listener did not start")
	}
	defer tl.Close()

	sc := mustParse(t, smallScenario)
	sum, err := Run(context.Background(), sc, Targets{SNMP: addr, SNMPVersion: "2c", Inform: true}, WithInstant())
	require.NoError(t, err)
	assert.Positive(t, sum.Sent.SNMP)
	assert.Zero(t, sum.Failed.SNMP, "every inform was acknowledged")
	waitFor(t, "every inform", func() bool { return len(got) >= sum.Sent.SNMP })
}

func TestRun_UnansweredInformIsResentThenCountedFailed(t *testing.T) {
	u := newUDPReceiver(t) // receives, never answers
	sc := mustParse(t, `
start: 2021-01-01T00:00:00Z
duration: 1d
systems:
  - name: PBX-I
    release: 9.1
    events: [{after: 1h, do: alarm, category: Fans, level: Minor, for: 1h}]
`)
	sum, err := Run(context.Background(), sc, Targets{SNMP: u.addr(), SNMPVersion: "2c", Inform: true},
		WithInstant(), WithInformTimeout(50*time.Millisecond, 2))
	require.NoError(t, err)
	assert.Equal(t, 2, sum.Failed.SNMP, "two alarm changes, neither acknowledged")
	assert.Zero(t, sum.Sent.SNMP)
	waitFor(t, "three copies of each", func() bool { return len(u.all()) == 6 })
	g := &gosnmp.GoSNMP{Version: gosnmp.Version2c, Logger: gosnmp.NewLogger(nil)}
	for _, d := range u.all() {
		p, err := g.UnmarshalTrap(d.data, false)
		require.NoError(t, err)
		assert.Equal(t, gosnmp.InformRequest, p.PDUType)
	}
}

func TestTargets_Checked(t *testing.T) {
	for _, tc := range []struct {
		t    Targets
		want string
	}{
		{Targets{SNMPVersion: "2"}, "snmp version"},
		{Targets{SNMP: "host"}, "snmp:"},
		{Targets{SNMP: "h:1", Inform: true}, "inform"},
		{Targets{SNMP: "h:1", SNMPVersion: "3"}, "user"},
		{Targets{SyslogFormat: "json"}, "syslog format"},
		{Targets{AgentPort: 70000}, "agent port"},
		{Targets{AgentPort: 1161, LogstreamPort: 1161}, "logstream port"},
	} {
		_, _, err := tc.t.checked()
		assert.ErrorContains(t, err, tc.want, "%+v", tc.t)
	}
	got, _, err := Targets{}.checked()
	require.NoError(t, err)
	assert.Equal(t, Targets{SyslogFormat: FormatRFC3164, SNMPVersion: "1", Community: "public", AgentCommunity: "public"}, got)
}

func mustHex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}
