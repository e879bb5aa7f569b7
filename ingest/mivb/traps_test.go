package mivb

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
)

// trapsDir holds one folder per notification: input.json (a Trap) and
// expected.json (the Result).
const trapsDir = "testdata/traps"

// updateGolden reports whether -update was given. The flag is registered
// once for the package (records_golden_test.go); both golden suites obey it.
func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func vb(oid, value string) events.Varbind {
	name, _, _ := LookupObject(oid)
	return events.Varbind{OID: oid, Name: name, Type: "Integer", Value: value}
}

func alarm(level string, cats ...events.Category) Trap {
	return Trap{
		Version: "2c", TrapOID: OIDTrapAlarm,
		Varbinds: []events.Varbind{
			{OID: OIDSysName, Name: "sysName.0", Type: "OctetString", Value: "MIVB-HQ"},
			vb(OIDAlmLevel, level),
			{OID: OIDAlmDetectDate, Name: "mitelIpera3000AlmDetectDate.0", Type: "OctetString", Value: "2020-8-21,9:0:0.0,+2:0"},
			vb(OIDAlmNbrCategories, "1"),
		},
		Categories: cats,
	}
}

func TestRecogniseTrap(t *testing.T) {
	licence := func(name string, level int) events.Category {
		return events.Category{Index: 1, Name: name, Level: level}
	}
	for _, tc := range []struct {
		name       string
		trap       Trap
		recognised bool
		kind       events.Kind
		severity   events.Severity
		cause      events.Cause
	}{
		{"alarm clear", alarm("1"), true, events.KindAlarm, events.SeverityCleared, ""},
		{"alarm minor", alarm("2"), true, events.KindAlarm, events.SeverityMinor, ""},
		{"alarm major", alarm("3"), true, events.KindAlarm, events.SeverityMajor, ""},
		{"alarm critical", alarm("4"), true, events.KindAlarm, events.SeverityCritical, ""},
		{"alarm level out of range", alarm("7"), false, events.KindLog, events.SeverityInfo, ""},
		{"alarm level not a number", alarm("major"), false, events.KindLog, events.SeverityInfo, ""},
		{"licence category at the trap's level", alarm("3", licence("License Violation", 3)), true, events.KindLicence, events.SeverityMajor, events.CauseUnknown},
		{"licence category cleared", alarm("1", licence("LICENCE VIOLATION", 1)), true, events.KindLicence, events.SeverityCleared, events.CauseUnknown},
		{"licence category without level", alarm("4", licence("Violation of license", 0)), true, events.KindLicence, events.SeverityCritical, events.CauseUnknown},
		{"licence category at another level", alarm("3", licence("License Violation", 2), events.Category{Index: 2, Name: "IP Trunks", Level: 3}), true, events.KindAlarm, events.SeverityMajor, ""},
		{"licence word without violation", alarm("2", licence("License Usage", 2)), true, events.KindAlarm, events.SeverityMinor, ""},
		{"certificate cause", alarm("2", licence("License Violation - Security Certificate", 2)), true, events.KindLicence, events.SeverityMinor, events.CauseCertificateUpdate},
		{"over-use cause", alarm("2", licence("License violation (over-use)", 2)), true, events.KindLicence, events.SeverityMinor, events.CauseLicenceOveruse},
		{"over allocation cause", alarm("2", licence("License Violation: over allocation", 2)), true, events.KindLicence, events.SeverityMinor, events.CauseLicenceOveruse},
		{"expired cause", alarm("4", licence("Licence violation - licence expired", 4)), true, events.KindLicence, events.SeverityCritical, events.CauseLicenceExpired},
		{"v1 alarm", Trap{Version: "1", Enterprise: OIDMitelIpera3000, Generic: 6, Specific: 301, Varbinds: alarm("2").Varbinds}, true, events.KindAlarm, events.SeverityMinor, ""},
		{"shutdown, failure", Trap{Version: "2c", TrapOID: OIDTrapShutdown, Varbinds: []events.Varbind{vb(OIDShutdownCause+".0", "2")}}, true, events.KindSystem, events.SeverityMajor, ""},
		{"shutdown, planned", Trap{Version: "2c", TrapOID: OIDTrapShutdown, Varbinds: []events.Varbind{vb(OIDShutdownCause+".0", "4")}}, true, events.KindSystem, events.SeverityWarning, ""},
		{"shutdown, no cause", Trap{Version: "2c", TrapOID: OIDTrapShutdown}, true, events.KindSystem, events.SeverityMajor, ""},
		{"restart complete", Trap{Version: "1", Enterprise: OIDMitelIpera3000, Generic: 6, Specific: 303, Varbinds: []events.Varbind{vb(OIDResetCause, "3")}}, true, events.KindSystem, events.SeverityInfo, ""},
		{"restart after a system fault", Trap{Version: "2c", TrapOID: OIDTrapRestartComplete, Varbinds: []events.Varbind{vb(OIDResetCause+".0", "4")}}, true, events.KindSystem, events.SeverityWarning, ""},
		{"coldStart v1", Trap{Version: "1", Enterprise: OIDMitelIpera3000, Generic: 0}, true, events.KindSystem, events.SeverityInfo, ""},
		{"coldStart v2c", Trap{Version: "2c", TrapOID: OIDColdStart}, true, events.KindSystem, events.SeverityInfo, ""},
		{"resiliency failover", Trap{Version: "2c", TrapOID: OIDTrapResilFailover}, true, events.KindSystem, events.SeverityWarning, ""},
		{"linkDown", Trap{Version: "1", Enterprise: "1.3.6.1.4.1.9", Generic: 2}, false, events.KindLog, events.SeverityInfo, ""},
		{"SX-2000 alarm", Trap{Version: "1", Enterprise: "1.3.6.1.4.1.1027.1.2.2", Generic: 6, Specific: 201}, false, events.KindLog, events.SeverityInfo, ""},
		{"v2c without trap OID", Trap{Version: "2c"}, false, events.KindLog, events.SeverityInfo, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := RecogniseTrap(tc.trap)
			assert.Equal(t, tc.recognised, r.Recognised)
			assert.Equal(t, tc.kind, r.Kind)
			assert.Equal(t, tc.severity, r.Severity)
			assert.Equal(t, tc.cause, r.Cause)
			assert.NotEmpty(t, r.Message)
			assert.Nil(t, r.Record)
		})
	}
}

func TestRecogniseTrap_AlarmDetailsAndRelease(t *testing.T) {
	tr := alarm("4")
	tr.SysDescr = "VerAg:07.00.00.01.00;VerSw:13.0.1.53;VerHw:MXe;VerPl:3300 ICP;VerMCD:7.0 SP1 PR2"
	r := RecogniseTrap(tr)
	require.NotNil(t, r.FirstDetectedAt)
	assert.Equal(t, time.Date(2020, 8, 21, 7, 0, 0, 0, time.UTC), *r.FirstDetectedAt, "DateAndTime +2:00 is 07:00 UTC")
	assert.Equal(t, "7.0 SP1 PR2", r.Release)
	assert.Equal(t, "MiVB alarm level critical (trap 301, 1 category)", r.Message)
}

func TestTrap_NotificationOID(t *testing.T) {
	for _, tc := range []struct {
		trap Trap
		want string
	}{
		{Trap{Version: "1", Enterprise: OIDMitelIpera3000, Generic: 6, Specific: 301}, OIDTrapAlarm},
		{Trap{Version: "1", Enterprise: OIDMitelIpera3000, Generic: 0}, OIDColdStart},
		{Trap{Version: "1", Enterprise: "1.3.6.1.4.1.9", Generic: 5}, "1.3.6.1.6.3.1.1.5.6"},
		{Trap{Version: "1", Enterprise: "1.3.6.1.4.1.9", Generic: 7}, ""},
		{Trap{Version: "2c", TrapOID: OIDTrapShutdown}, OIDTrapShutdown},
		{Trap{Version: "3", TrapOID: OIDColdStart, Enterprise: "1.2.3", Generic: 6}, OIDColdStart},
	} {
		assert.Equal(t, tc.want, tc.trap.NotificationOID(), "%+v", tc.trap)
	}
}

func TestLookupObject(t *testing.T) {
	for _, tc := range []struct{ oid, name string }{
		{"1.3.6.1.2.1.1.5.0", "sysName.0"},
		{OIDAlmLevel, "mitelIpera3000AlmLevel.0"},
		{OIDCategoryEntry + ".8.12", "mitelIpera3000CatTblName.12"},
		{OIDShutdownCause, "mitelIpera3000TrapAlmShutdownCause"},
		{"1.3.6.1.6.3.1.1.4.1.0", "snmpTrapOID.0"},
		{"1.3.6.1.4.1.1027.4.1.1.2.2", ""},
		{"1.3.6.1.4.1.9.9.41.1.2.3.1.2.55", ""},
		{"", ""},
	} {
		name, _, ok := LookupObject(tc.oid)
		assert.Equal(t, tc.name, name, tc.oid)
		assert.Equal(t, tc.name != "", ok, tc.oid)
	}
	_, obj, _ := LookupObject(OIDAlmDetectDate)
	assert.Equal(t, SyntaxDateAndTime, obj.Syntax)
}

func TestDateAndTime(t *testing.T) {
	for _, tc := range []struct {
		octets string
		text   string
		want   time.Time
	}{
		{"\x07\xe4\x08\x15\x09\x00\x00\x00", "2020-8-21,9:0:0.0", time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC)},
		{"\x07\xe4\x08\x15\x09\x00\x00\x00+\x00\x00", "2020-8-21,9:0:0.0,+0:0", time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC)},
		{"\x07\xe4\x09\x0b\x17\x3b\x3b\x09-\x05\x1e", "2020-9-11,23:59:59.9,-5:30", time.Date(2020, 9, 12, 5, 29, 59, 900_000_000, time.UTC)},
	} {
		text, ok := FormatDateAndTime([]byte(tc.octets))
		require.True(t, ok)
		assert.Equal(t, tc.text, text)
		for _, in := range []string{text, "0x" + hexOf(tc.octets)} {
			got, err := ParseDateAndTime(in)
			require.NoError(t, err, in)
			assert.Equal(t, tc.want, got, in)
		}
	}
	for _, bad := range []string{"", "2020-8-21", "2020-13-1,0:0:0.0", "2020-8-21,25:0:0.0", "2020-8-21,9:0:0.0,*1:0",
		"2020-8-21,9:0:0.0,+", "0x07e4", "0xzz", "x-y-z,a:b:c.d", "2020-8-21,9:0:0.0,+0:0,extra"} {
		_, err := ParseDateAndTime(bad)
		assert.Error(t, err, bad)
	}
	// In the agent's zone, where it is known: only when the value names none.
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	got, err := ParseDateAndTimeIn("2020-8-21,9:0:0.0", ny)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2020, 8, 21, 13, 0, 0, 0, time.UTC), got, "8 octets: New York's wall time")
	got, err = ParseDateAndTimeIn("2020-8-21,9:0:0.0,+0:0", ny)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC), got, "11 octets: their own offset")
	for _, bad := range []string{"", "\x07\xe4\x08", "\x07\xe4\x08\x15\x09\x00\x00\x00*\x00\x00"} {
		_, ok := FormatDateAndTime([]byte(bad))
		assert.False(t, ok, "%x", bad)
	}
}

func hexOf(s string) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for i := range len(s) {
		b.WriteByte(digits[s[i]>>4])
		b.WriteByte(digits[s[i]&15])
	}
	return b.String()
}

func TestReleaseFromSysDescr(t *testing.T) {
	for in, want := range map[string]string{
		"VerAg:07.00.00.01.00;VerSw:13.0.1.53;VerHw:MXe;VerPl:3300 ICP;VerMCD:7.0 SP1 PR2":                         "7.0 SP1 PR2",
		"VerAg:07.00.00.01.00;VerSw:11.0.2.66;VerHw:MCD;VerPl:3300 ICP;HostSrv:192.168.100.121;VerMCD:5.0 SP2 PR2": "5.0 SP2 PR2",
		"VerMCD:9.0 SP2": "9.0 SP2",
		"VerAg:07.00.00.01.00;VerSw:9.0.0.41;VerHw:CX;VerPl:3300 ICP": "",
		"NotVerMCD:1.0": "",
		"":              "",
	} {
		assert.Equal(t, want, ReleaseFromSysDescr(in), in)
	}
}

func TestTraps_TableIsComplete(t *testing.T) {
	for oid, info := range Traps {
		assert.NotEmpty(t, info.Name, oid)
		assert.NotEmpty(t, info.Text, oid)
		assert.Contains(t, []events.Kind{events.KindAlarm, events.KindSystem}, info.Kind, oid)
		if oid != OIDTrapAlarm {
			assert.True(t, info.Severity.Valid(), "%s: severity %q", oid, info.Severity)
		}
	}
}

func TestRecogniseTrap_Golden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(trapsDir, "*"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, "input.json"))
			require.NoError(t, err)
			var in Trap
			require.NoError(t, json.Unmarshal(b, &in))
			got, err := json.MarshalIndent(RecogniseTrap(in), "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			path := filepath.Join(dir, "expected.json")
			if updateGolden() {
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			assert.JSONEq(t, string(want), string(got), "rerun with -update and review the diff")
		})
	}
}

// FuzzDateAndTime checks that DateAndTime octets from the network are
// rendered and read back without a panic, and that what renders parses.
func FuzzDateAndTime(f *testing.F) {
	for _, s := range []string{
		"\x07\xe4\x08\x15\x09\x00\x00\x00",
		"\x07\xe4\x08\x15\x09\x00\x00\x00+\x00\x00",
		"\x07\xe4\x09\x0b\x17\x3b\x3b\x09-\x05\x1e",
		"\xff\xff\xff\xff\xff\xff\xff\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		text, ok := FormatDateAndTime(b)
		ParseDateAndTime(string(b))
		ParseDateAndTime("0x" + hexOf(string(b)))
		if !ok {
			return
		}
		at, err := ParseDateAndTime(text)
		if err != nil {
			return // out-of-range fields render but do not parse
		}
		if at.Location() != time.UTC {
			t.Fatalf("%q parsed to a time not in UTC", text)
		}
	})
}
