package emulator

import (
	"fmt"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/pbxalarm/pbxalarm/events"
)

// OIDs of what a MiVB sends and serves (MITEL-IperaVoiceLAN-MIB,
// SNMPv2-MIB; mitel-facts.md §1, §3-5).
const (
	oidMitelIpera3000   = "1.3.6.1.4.1.1027.1.2.3" // sysObjectID and trap enterprise
	oidSysDescr         = "1.3.6.1.2.1.1.1.0"
	oidSysObjectID      = "1.3.6.1.2.1.1.2.0"
	oidSysUpTime        = "1.3.6.1.2.1.1.3.0"
	oidSysName          = "1.3.6.1.2.1.1.5.0"
	oidSnmpTrapOID      = "1.3.6.1.6.3.1.1.4.1.0"
	oidColdStart        = "1.3.6.1.6.3.1.1.5.1"
	oidLicences         = "1.3.6.1.4.1.1027.4.1.1.2.1.2" // .1 IP user purchased, .2 used, .3 IP device purchased, .4 used
	oidAlmLevel         = "1.3.6.1.4.1.1027.4.1.1.2.2.1.0"
	oidAlmDetectDate    = "1.3.6.1.4.1.1027.4.1.1.2.2.2.0"
	oidAlmNbrCategories = "1.3.6.1.4.1.1027.4.1.1.2.2.3.0"
	oidCategoryTable    = "1.3.6.1.4.1.1027.4.1.1.2.2.4"
	oidCategoryEntry    = oidCategoryTable + ".1"
	oidShutdownCause    = "1.3.6.1.4.1.1027.4.1.1.2.2.5.0"
	oidShutdownDetail   = "1.3.6.1.4.1.1027.4.1.1.2.2.6.0"
	oidResetCause       = "1.3.6.1.4.1.1027.4.1.1.2.2.7.0"
	oidResetCauseBits   = "1.3.6.1.4.1.1027.4.1.1.2.2.8.0"
)

// Specific trap numbers under the enterprise.
const (
	trapAlarm           = 301
	trapShutdown        = 302
	trapRestartComplete = 303
)

// ReadBack is what a trap 301 event becomes when the receiver reads the
// PBX's category table back and finds the licence row at the trap's
// level (mitel-facts.md §3.4): a licence event with this cause.
type ReadBack struct {
	Kind  events.Kind  `json:"kind"`
	Cause events.Cause `json:"cause"`
}

// trapMsg is one notification, in a form that gosnmp sends as v1, v2c or
// v3.
type trapMsg struct {
	specific int // under the enterprise; 0 with generic 0 for coldStart
	generic  int
	vars     []gosnmp.SnmpPDU // after sysUpTime.0 and snmpTrapOID.0
	expect   meaning
	readBack *ReadBack
	text     string
}

// oid is the notification's SNMPv2 OID.
func (t *trapMsg) oid() string {
	if t.specific == 0 {
		return oidColdStart
	}
	return fmt.Sprintf("%s.0.%d", oidMitelIpera3000, t.specific)
}

func str(oid, s string) gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.OctetString, Value: []byte(s)}
}

func integer(oid string, n int) gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.Integer, Value: n}
}

// dateAndTime encodes t as an 11-octet SNMPv2-TC DateAndTime in UTC.
func dateAndTime(t time.Time) []byte {
	t = t.UTC()
	return []byte{byte(t.Year() >> 8), byte(t.Year()), byte(t.Month()), byte(t.Day()),
		byte(t.Hour()), byte(t.Minute()), byte(t.Second()), byte(t.Nanosecond() / 100_000_000), '+', 0, 0}
}

// alarmTrap is trap 301 announcing the overall alarm level.
func alarmTrap(name string, level int, at time.Time, rows int, rb *ReadBack) *trapMsg {
	return &trapMsg{
		specific: trapAlarm, generic: 6,
		vars: []gosnmp.SnmpPDU{
			str(oidSysName, name), integer(oidAlmLevel, level),
			{Name: oidAlmDetectDate, Type: gosnmp.OctetString, Value: dateAndTime(at)},
			integer(oidAlmNbrCategories, rows),
		},
		expect:   meaning{kind: events.KindAlarm, severity: alarmSeverity(level), recognised: true},
		readBack: rb,
		text:     fmt.Sprintf("trap 301 mitelIpera3000NotifAlarm level %d (%s)", level, alarmWord(level)),
	}
}

// Shutdown causes the ingester ranks as planned (warning, not major).
var plannedShutdowns = map[int]bool{4: true, 5: true, 9: true, 10: true, 11: true}

// shutdownTrap is trap 302.
func shutdownTrap(name string, c *rebootCause) *trapMsg {
	sev := events.SeverityMajor
	if plannedShutdowns[c.shutdown] {
		sev = events.SeverityWarning
	}
	return &trapMsg{
		specific: trapShutdown, generic: 6,
		vars:   []gosnmp.SnmpPDU{str(oidSysName, name), integer(oidShutdownCause, c.shutdown), integer(oidShutdownDetail, 0)},
		expect: meaning{kind: events.KindSystem, severity: sev, recognised: true},
		text:   fmt.Sprintf("trap 302 mitelIpera3000ShutdownAlarm cause %d (%s)", c.shutdown, c.name),
	}
}

// restartTrap is trap 303. The reset-cause BITS has the bit of the reset
// cause set (bit 0 is the most significant bit of the first octet).
func restartTrap(name string, c *rebootCause) *trapMsg {
	sev := events.SeverityInfo
	if c.reset == 4 { // systemFaultReset
		sev = events.SeverityWarning
	}
	return &trapMsg{
		specific: trapRestartComplete, generic: 6,
		vars: []gosnmp.SnmpPDU{str(oidSysName, name), integer(oidResetCause, c.reset),
			{Name: oidResetCauseBits, Type: gosnmp.OctetString, Value: []byte{0x80 >> (c.reset % 8)}}},
		expect: meaning{kind: events.KindSystem, severity: sev, recognised: true},
		text:   fmt.Sprintf("trap 303 mitelIpera3000RestartCompleteAlarm reset cause %d (%s)", c.reset, c.resetText),
	}
}

// coldStartTrap is the standard coldStart a MiVB sends when it is ready
// after a reboot (mitel-facts.md §4). It carries no varbinds.
func coldStartTrap() *trapMsg {
	return &trapMsg{
		generic: 0,
		expect:  meaning{kind: events.KindSystem, severity: events.SeverityInfo, recognised: true},
		text:    "coldStart",
	}
}
