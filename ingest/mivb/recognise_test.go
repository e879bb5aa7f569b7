package mivb

import (
	"strings"
	"testing"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
)

// canon builds a canonical record around a description.
func canon(sev, desc string) string {
	return "MAINT 004711 " + sev + " 2020/08/21 09:14:02 src=LicenseMgr mod=LMS: " + desc
}

func TestRecognise_LevelInEverySpelling(t *testing.T) {
	tests := []struct {
		desc string
		want events.Severity
	}{
		{"License Violation - level Warning, day 1", events.SeverityWarning},
		{"License Violation - level Minor, day 3", events.SeverityMinor},
		{"License Violation - level Major, day 8", events.SeverityMajor},
		{"License Violation - level Critical, day 15", events.SeverityCritical},
		{"License Violation - level System Lock, day 36", events.SeveritySystemLock},
		{"License Violation - level SystemLock, day 36", events.SeveritySystemLock},
		{"License Violation - level System-Lock, day 36", events.SeveritySystemLock},
		{"License Violation - level system_lock, day 36", events.SeveritySystemLock},
		{"LICENSE VIOLATION - LEVEL SYSTEM LOCK", events.SeveritySystemLock},
		{"License Violation - level Clear", events.SeverityCleared},
		{"License Violation Cleared", events.SeverityCleared},
		{"License Violation escalated from Minor to Major", events.SeverityMajor},
		{"License Violation changed from Major to Clear", events.SeverityCleared},
		{"License Violation Warning => Minor", events.SeverityMinor},
		{"License Violation Major → Critical", events.SeverityCritical},
		{"License Violation escalated to Critical", events.SeverityCritical},
		{"Critical license violation", events.SeverityCritical},
		{"License violation (Major)", events.SeverityMajor},
		{"License violation at Minor level", events.SeverityMinor},
		{"License Violation; level=critical; next=system_lock", events.SeverityCritical},
		{"License Violation - level Major; will escalate to Critical on day 14", events.SeverityMajor},
		{"License Violation - level Minor (previous level Warning)", events.SeverityMinor},
		{"License violation resolved", events.SeverityCleared},
		{"System no longer in licence violation", events.SeverityCleared},
		{"License Violation - level Major; will be cleared once the patch is installed", events.SeverityMajor},
		{"System Lock in 7 days; License violation at Critical", events.SeverityCritical},
		{"LicenseViolation:Major;day=8", events.SeverityMajor},
		{"License Violation: system locked", events.SeveritySystemLock},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got := Recognise(Input{Text: canon("Warning", tt.desc)})
			if got.Kind != events.KindLicence || got.Severity != tt.want {
				t.Errorf("kind %s severity %s (pattern %s), want licence %s", got.Kind, got.Severity, pattern(got), tt.want)
			}
		})
	}
}

func TestRecognise_CauseInEveryWording(t *testing.T) {
	tests := []struct {
		desc string
		want events.Cause
	}{
		{"License Violation - level Warning; cause: Security Certificate Update not installed", events.CauseCertificateUpdate},
		{"License Violation - level Warning; cause: cert update missing", events.CauseCertificateUpdate},
		{"License Violation - level Warning; cause: security patch not applied", events.CauseCertificateUpdate},
		{"License Violation - level Warning; cause=certificate_update", events.CauseCertificateUpdate},
		{"License Violation - level Warning; cause: license over-use", events.CauseLicenceOveruse},
		{"License Violation - level Warning; cause: licence overuse", events.CauseLicenceOveruse},
		{"License Violation - level Warning; cause: over-allocation of IP User licences", events.CauseLicenceOveruse},
		{"License Violation - level Warning; cause: IP Device licenses over allocated", events.CauseLicenceOveruse},
		{"License Violation - level Warning; cause: purchased licences exceeded", events.CauseLicenceOveruse},
		{"License Violation - level Warning; cause: too many licences in use", events.CauseLicenceOveruse},
		{"License Violation - level Warning; cause: license expired", events.CauseLicenceExpired},
		{"License Violation - level Warning; cause: licence expiry", events.CauseLicenceExpired},
		{"License Violation - level Warning due to licence expiry", events.CauseLicenceExpired},
		{"License Violation - level Warning; cause: System ID mismatch", events.CauseOther},
		{"License Violation - level Warning; reason: Designated License Manager unreachable", events.CauseOther},
		{"License Violation - level Warning; cause: unknown", events.CauseUnknown},
		{"License Violation - level Warning", events.CauseUnknown},
		{"License Violation - level Minor; Warning timer expired", events.CauseUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got := Recognise(Input{Text: canon("Warning", tt.desc)})
			if got.Kind != events.KindLicence || got.Cause != tt.want {
				t.Errorf("kind %s cause %q, want licence %q", got.Kind, got.Cause, tt.want)
			}
		})
	}
}

func TestRecognise_DayWhereverStated(t *testing.T) {
	tests := []struct {
		desc string
		want int
	}{
		{"License Violation - level Minor, day 3", 3},
		{"License Violation - level Minor, Day:3", 3},
		{"License Violation - level Minor, day=3", 3},
		{"License Violation - level Minor, 3 days in violation", 3},
		{"License Violation - level Critical (day 14 of violation)", 14},
		{"License Violation - level Minor; days_in_violation=4", 4},
		{"License Violation - level Minor on the 5th day", 5},
		{"License Violation - level Minor; System Lock in 21 days", 0},
		{"License Violation - level Minor; next level Major on day 7", 0},
		{"License Violation - level Minor; first detected 2020/08/21 09:00:00", 0},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got := Recognise(Input{Text: canon("Warning", tt.desc)})
			if got.Kind != events.KindLicence || got.Day != tt.want {
				t.Errorf("kind %s day %d, want licence day %d", got.Kind, got.Day, tt.want)
			}
		})
	}
}

func TestRecognise_FirstDetectedInCommonForms(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	utc9 := time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		desc string
		loc  *time.Location
		want time.Time
	}{
		{"first detected 2020/08/21 09:00:00", nil, utc9},
		{"first detected 2020-08-21T09:00:00Z", nil, utc9},
		{"first detected 2020-08-21T10:00:00+01:00", nil, utc9},
		{"first detected 21-Aug-2020 09:00", nil, utc9},
		{"first detected Aug 21, 2020 09:00:00", nil, utc9},
		{"first_detected=2020-08-21T09:00:00Z", nil, utc9},
		{"in violation since 2020/08/21 09:00", nil, utc9},
		{"detected at 2020/08/21 09:00:00 UTC", nil, utc9},
		{"first detected 2020/08/21 10:00:00", london, utc9},
		{"first detected 2020-08-21T09:00:00Z", london, utc9},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got := Recognise(Input{Text: canon("Warning", "License Violation - level Warning; "+tt.desc), Location: tt.loc})
			if got.FirstDetectedAt == nil || !got.FirstDetectedAt.Equal(tt.want) {
				t.Errorf("first detected %v, want %v", got.FirstDetectedAt, tt.want)
			}
		})
	}
}

func TestRecognise_BadDatesAreNotRead(t *testing.T) {
	for _, d := range []string{"2020/02/30 09:00:00", "2020/13/01 09:00", "2020/08/21 25:00:00", "1890/01/01"} {
		got := Recognise(Input{Text: canon("Warning", "License Violation - level Warning; first detected "+d)})
		if got.Kind != events.KindLicence || got.FirstDetectedAt != nil {
			t.Errorf("%s: kind %s first detected %v, want licence with none", d, got.Kind, got.FirstDetectedAt)
		}
	}
}

// TestRecognise_NotAViolation holds lines that speak of licences, alarms
// or restarts but are no MiVB record of one.
func TestRecognise_NotAViolation(t *testing.T) {
	lines := []string{
		"%LICENSE-6-EULA_ACCEPTED: EULA for feature uck9 1.0 has been accepted.",
		"%LICENSE-4-EXPIRING: License for feature securityk9 1.0 will expire in 10 days.",
		"%SMART_LIC-3-OUT_OF_COMPLIANCE: One or more entitlements are out of compliance",
		"%LICENSE-2-VIOLATION: License violation detected for feature appxk9 level major",
		`date=2024-03-01 time=10:00:00 devname="FGT60F" logid="0100020077" msg="FortiGuard license expired"`,
		`date=2024-03-01 time=10:00:00 devname="FGT60F" logid="0100020075" msg="License violation: VM license invalid"`,
		"Your license expires in 30 days.",
		"License expired. Please contact your administrator.",
		"Search has been disabled due to license violation",
		"Possible license violation by user bob",
		"Tip: to clear a license violation, contact your reseller",
		"Warning: license violation detected",
		"WARNING 2024-03-01 10:00:00 license violation: 5 days over quota",
		"Alarm status: Critical",
		"ALARM: major fan failure",
		"license server: 120 licences in use, 200 available",
		"reboot: Restarting system",
		"systemd-logind[512]: System is powering down.",
		"kernel: Restarting tasks ... done.",
		"UPS: Major alarm raised on battery",
		"Alarm clock set for 07:00",
		"",
		"   ",
		"MAINT",
		"License Violation",
	}
	for _, line := range lines {
		t.Run(line, func(t *testing.T) {
			got := Recognise(Input{Text: line})
			if got.Recognised || got.Kind != events.KindLog {
				t.Errorf("recognised as %s %s (pattern %s); want not recognised", got.Kind, got.Severity, pattern(got))
			}
		})
	}
}

func TestRecognise_OtherRecordKinds(t *testing.T) {
	tests := []struct {
		text string
		kind events.Kind
		sev  events.Severity
	}{
		{canon("Error", "Alarm level changed to Major; categories: License Violation"), events.KindAlarm, events.SeverityMajor},
		{canon("Info", "Alarm level changed to Clear"), events.KindAlarm, events.SeverityCleared},
		{canon("Warning", "Alarm level changed from Clear to Minor"), events.KindAlarm, events.SeverityMinor},
		{canon("Error", "ALARM_LEVEL=CRITICAL"), events.KindAlarm, events.SeverityCritical},
		{canon("Info", "All alarms cleared"), events.KindAlarm, events.SeverityCleared},
		{canon("Error", "Alarm status: Critical"), events.KindAlarm, events.SeverityCritical},
		{canon("Warning", "System restart initiated; cause: maintenance command"), events.KindSystem, events.SeverityWarning},
		{canon("Error", "System reboot; cause: software failure"), events.KindSystem, events.SeverityMajor},
		{canon("Error", "System shutdown; cause: maintenance command"), events.KindSystem, events.SeverityMajor},
		{canon("Info", "System restart complete"), events.KindSystem, events.SeverityInfo},
		{"MAINT 1 Error src=SysMgr mod=SYS: shutting down", events.KindSystem, events.SeverityMajor},
		{"MiVB: restart complete", events.KindSystem, events.SeverityInfo},
		{"Call server shutdown requested", events.KindSystem, events.SeverityMajor},
		{canon("Info", "Database backup completed"), events.KindLog, events.SeverityInfo},
		{canon("Warning", "Trunk 3 out of service"), events.KindLog, events.SeverityWarning},
		{canon("Error", "Set 2001 failed to register"), events.KindLog, events.SeverityMajor},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got := Recognise(Input{Text: tt.text})
			if !got.Recognised || got.Kind != tt.kind || got.Severity != tt.sev {
				t.Errorf("recognised %v kind %s severity %s (pattern %s), want %s %s", got.Recognised, got.Kind, got.Severity, pattern(got), tt.kind, tt.sev)
			}
		})
	}
}

func TestRecognise_ReadsTheRecordFields(t *testing.T) {
	got := Recognise(Input{Text: canon("Warning", "License Violation - level Warning, day 1; release 9.0 SP2")})
	want := events.Record{
		LogType: "Maintenance", LogNumber: "004711", LogSeverity: "Warning", Source: "LicenseMgr", Module: "LMS",
		Description: "License Violation - level Warning, day 1; release 9.0 SP2", Level: "Warning",
		Pattern: "licence-violation/level-key",
	}
	if got.Record == nil || *got.Record != want {
		t.Fatalf("record %+v, want %+v", got.Record, want)
	}
	if got.Release != "9.0 SP2" || got.Message != want.Description {
		t.Errorf("release %q message %q", got.Release, got.Message)
	}
	if at := time.Date(2020, 8, 21, 9, 14, 2, 0, time.UTC); got.RecordedAt == nil || !got.RecordedAt.Equal(at) {
		t.Errorf("recorded at %v, want %v", got.RecordedAt, at)
	}
}

func TestRecognise_ReleaseForms(t *testing.T) {
	tests := map[string]string{
		"release 9.0 SP2":                         "9.0 SP2",
		"Release: R9.0SP3":                        "9.0 SP3",
		"running MiVB 9.1 SP1 PR2":                "9.1 SP1 PR2",
		"VerMCD:7.0 SP1 PR2":                      "7.0 SP1 PR2",
		"requires release 9.0 SP3 or the patch":   "",
		"release 9.0 SP2; requires 9.0 SP3":       "9.0 SP2",
		"upgrade to MiVB 9.0 SP3 to clear":        "",
		"software release=8.0.1.2":                "8.0.1.2",
		"no release here, only a version 1 thing": "",
	}
	for text, want := range tests {
		got := Recognise(Input{Text: canon("Warning", "License Violation - level Warning; "+text)})
		if got.Release != want {
			t.Errorf("%q: release %q, want %q", text, got.Release, want)
		}
	}
}

func TestRecognise_OversizeInputIsBoundedAndKeptWhole(t *testing.T) {
	long := canon("Warning", "License Violation - level Minor, day 3; "+strings.Repeat("padding ", 20000))
	got := Recognise(Input{Text: long})
	if got.Kind != events.KindLicence || got.Severity != events.SeverityMinor {
		t.Errorf("kind %s severity %s, want licence minor", got.Kind, got.Severity)
	}
	garbage := strings.Repeat("\xff\x00licence violation level ", 10000)
	got = Recognise(Input{Text: garbage})
	if got.Message != strings.TrimSpace(garbage) && !got.Recognised {
		t.Errorf("unrecognised message was not kept whole")
	}
}

func pattern(r Result) string {
	if r.Record == nil {
		return "-"
	}
	return r.Record.Pattern
}
