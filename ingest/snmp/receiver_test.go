package snmp

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/mivb"
)

// MiVB's notifications as net-snmp sends them: the varbinds after the
// header, numeric OIDs.
const (
	oidSysName   = "1.3.6.1.2.1.1.5.0"
	oidLevel     = "1.3.6.1.4.1.1027.4.1.1.2.2.1.0"
	oidDetect    = "1.3.6.1.4.1.1027.4.1.1.2.2.2.0"
	oidNbrCats   = "1.3.6.1.4.1.1027.4.1.1.2.2.3.0"
	oidShutCause = "1.3.6.1.4.1.1027.4.1.1.2.2.5.0"
	oidShutDetl  = "1.3.6.1.4.1.1027.4.1.1.2.2.6.0"
	oidReset     = "1.3.6.1.4.1.1027.4.1.1.2.2.7.0"
	detectHex    = "07E40815090000002B0000" // 2020-08-21 09:00:00.0 +00:00
)

// mivbTrap is one MiVB notification in both the v1 and the v2c form.
type mivbTrap struct {
	name     string
	specific int    // v1 specific-trap under enterprise mitelIdCsIpera3000; 0 with generic 0 for coldStart
	trapOID  string // v2c snmpTrapOID.0
	varbinds []string
	kind     events.Kind
	severity events.Severity
	level    int // mitelIpera3000AlmLevel, 0 where absent
}

func alarmTrap(level int, sev events.Severity) mivbTrap {
	return mivbTrap{
		name: fmt.Sprintf("301-level-%d", level), specific: 301, trapOID: mivb.OIDTrapAlarm,
		varbinds: []string{oidSysName, "s", "MIVB-HQ", oidLevel, "i", itoa(level), oidDetect, "x", detectHex, oidNbrCats, "i", "1"},
		kind:     events.KindAlarm, severity: sev, level: level,
	}
}

var mivbTraps = []mivbTrap{
	alarmTrap(1, events.SeverityCleared),
	alarmTrap(2, events.SeverityMinor),
	alarmTrap(3, events.SeverityMajor),
	alarmTrap(4, events.SeverityCritical),
	{
		name: "302-shutdown", specific: 302, trapOID: mivb.OIDTrapShutdown,
		varbinds: []string{oidSysName, "s", "MIVB-HQ", oidShutCause, "i", "2", oidShutDetl, "i", "16"},
		kind:     events.KindSystem, severity: events.SeverityMajor,
	},
	{
		name: "303-restart-complete", specific: 303, trapOID: mivb.OIDTrapRestartComplete,
		varbinds: []string{oidSysName, "s", "MIVB-HQ", oidReset, "i", "3"},
		kind:     events.KindSystem, severity: events.SeverityInfo,
	},
	{
		name: "coldStart", trapOID: mivb.OIDColdStart,
		kind: events.KindSystem, severity: events.SeverityInfo,
	},
}

// v1Args and v2cArgs are snmptrap's arguments for t.
func (m mivbTrap) v1Args(target string) []string {
	generic := "6"
	if m.specific == 0 {
		generic = "0"
	}
	return append([]string{"-v", "1", "-c", testCommunity, target, mivb.OIDMitelIpera3000, "127.0.0.1", generic, itoa(m.specific), "4242"}, m.varbinds...)
}

func (m mivbTrap) v2cArgs(target string) []string {
	return append([]string{"-v", "2c", "-c", testCommunity, target, "4242", m.trapOID}, m.varbinds...)
}

func TestReceiver_AcceptsMiVBTrapsFromNetSNMP(t *testing.T) {
	c := newCollector()
	r := serve(t, c, WithCommunity(testCommunity))
	for _, version := range []string{"1", "2c"} {
		for _, tc := range mivbTraps {
			t.Run("v"+version+"/"+tc.name, func(t *testing.T) {
				args := tc.v2cArgs(target(r))
				if version == "1" {
					args = tc.v1Args(target(r))
				}
				out, err := run(t, "snmptrap", args...)
				require.NoError(t, err, out)
				n := c.next(t)
				s := n.SNMP
				assert.Equal(t, version, s.Version)
				assert.Equal(t, "trap", s.PDU)
				assert.Equal(t, "127.0.0.1", n.Peer.Addr().String())
				assert.WithinDuration(t, time.Now(), n.ReceivedAt, time.Minute)
				require.NotNil(t, s.Uptime)
				assert.EqualValues(t, 4242, *s.Uptime)
				if version == "1" {
					assert.Equal(t, mivb.OIDMitelIpera3000, s.Enterprise)
					assert.Equal(t, tc.specific, *s.SpecificTrap)
					assert.Equal(t, "127.0.0.1", s.AgentAddress)
					assert.Empty(t, s.TrapOID)
					assert.Equal(t, "a4", fmt.Sprintf("%x", n.Identity[:1]), "identity is the v1 PDU")
				} else {
					assert.Equal(t, tc.trapOID, s.TrapOID)
					assert.Nil(t, s.GenericTrap)
					assert.Equal(t, "a7", fmt.Sprintf("%x", n.Identity[:1]), "identity is the v2 PDU")
				}
				assert.NotContains(t, string(n.Identity), testCommunity)
				assert.Equal(t, tc.trapOID, n.Trap().NotificationOID())
				if len(tc.varbinds) > 0 {
					assert.Equal(t, "MIVB-HQ", n.SysName)
				}
				if tc.level > 0 {
					require.NotNil(t, s.AlarmLevel)
					assert.Equal(t, tc.level, *s.AlarmLevel)
					assert.Equal(t, tc.level == 1 || tc.level == 4, s.LevelAmbiguous)
					assert.False(t, s.Enriched)
					assert.Equal(t, enrichNotConfigured, s.EnrichError)
					vb, ok := n.Trap().Value(oidDetect)
					assert.True(t, ok)
					assert.Equal(t, "2020-8-21,9:0:0.0,+0:0", vb)
				} else {
					assert.Nil(t, s.AlarmLevel)
					assert.Empty(t, s.EnrichError)
				}
				res := mivb.RecogniseTrap(n.Trap())
				assert.True(t, res.Recognised)
				assert.Equal(t, tc.kind, res.Kind)
				assert.Equal(t, tc.severity, res.Severity)
				if tc.level > 0 {
					require.NotNil(t, res.FirstDetectedAt)
					assert.Equal(t, time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC), *res.FirstDetectedAt)
				}
			})
		}
	}
	assert.EqualValues(t, 2*len(mivbTraps), r.Stats().Snapshot()["traps"])
}

func TestReceiver_RejectsWrongCommunityAndSendsNothingOn(t *testing.T) {
	c := newCollector()
	r := serve(t, c, WithCommunity(testCommunity))
	for _, version := range []string{"1", "2c"} {
		args := mivbTraps[0].v2cArgs(target(r))
		if version == "1" {
			args = mivbTraps[0].v1Args(target(r))
		}
		args[3] = "public" // the community
		out, err := run(t, "snmptrap", args...)
		require.NoError(t, err, out)
	}
	eventually(t, func() bool { return r.Stats().Rejected(ReasonBadCommunity) == 2 }, "two bad_community rejections")
	c.none(t)
	assert.Zero(t, r.Stats().Accepted())
}

func TestReceiver_CommunityLimitedToNetworks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		network string
		allowed bool
	}{
		{"sender inside", "127.0.0.0/8", true},
		{"sender outside", "10.0.0.0/8", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCollector()
			r := serve(t, c, WithCommunity(testCommunity, mustPrefix(t, tc.network)))
			out, err := run(t, "snmptrap", mivbTraps[6].v2cArgs(target(r))...)
			require.NoError(t, err, out)
			if tc.allowed {
				c.next(t)
				return
			}
			eventually(t, func() bool { return r.Stats().Rejected(ReasonBadCommunity) == 1 }, "bad_community")
			c.none(t)
		})
	}
}
