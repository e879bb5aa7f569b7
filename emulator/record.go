package emulator

import (
	"fmt"
	"strings"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
)

// Log types of a record.
const (
	logMaint = iota
	logSoft
)

var logTypeNames = [...]string{"MAINT", "SOFT"}

// Record severities (the log's own, not the alarm or licence level).
const (
	sevInfo    = "Info"
	sevWarning = "Warning"
	sevError   = "Error"
)

// Syslog severities (RFC 5424) the records map to.
const (
	syslogAlert   = 1
	syslogCrit    = 2
	syslogErr     = 3
	syslogWarning = 4
	syslogNotice  = 5
	syslogInfo    = 6
	facilityLocal = 16 // local0
)

// record is one maintenance-log or software-log entry, in the form of
// docs/RECORDS.md, with what pbxalarm should make of it.
type record struct {
	logType  int
	number   int
	severity string
	at       time.Time // in the system's zone, which its text is written in
	source   string
	module   string
	desc     string
	syslog   int // syslog severity 0..7
	expect   meaning
}

// meaning is what pbxalarm should make of a message.
type meaning struct {
	kind       events.Kind
	severity   events.Severity
	cause      events.Cause
	day        int
	recognised bool
}

// line is the record as one line: the log-stream line and the syslog MSG.
func (r *record) line() string {
	return fmt.Sprintf("%s %06d %s %s src=%s mod=%s: %s", logTypeNames[r.logType], r.number, r.severity,
		r.at.Format("2006/01/02 15:04:05"), r.source, r.module, r.desc)
}

// pri is the syslog PRI: facility local0 and the record's syslog severity.
func (r *record) pri() int { return facilityLocal*8 + r.syslog }

// msgID is the RFC 5424 MSGID: the log type.
func (r *record) msgID() string { return logTypeNames[r.logType] }

// licenceSyslog maps a licence level to its syslog severity.
func licenceSyslog(l Level) int {
	switch l {
	case LevelSystemLock:
		return syslogAlert
	case LevelCritical:
		return syslogCrit
	case LevelMajor:
		return syslogErr
	case LevelClear:
		return syslogNotice
	}
	return syslogWarning
}

// licenceRecordSeverity is the record severity of a licence record.
func licenceRecordSeverity(l Level) string {
	switch {
	case l == LevelClear:
		return sevInfo
	case l <= LevelMinor:
		return sevWarning
	}
	return sevError
}

// alarmSyslog and alarmRecordSeverity map an alarm level 1..4.
func alarmSyslog(alm int) int {
	return [...]int{syslogNotice, syslogNotice, syslogWarning, syslogErr, syslogCrit}[min(max(alm, 0), 4)]
}

func alarmRecordSeverity(alm int) string {
	return [...]string{sevInfo, sevInfo, sevWarning, sevError, sevError}[min(max(alm, 0), 4)]
}

// ownSyslog and ownSeverity map a record severity for records that state
// no level (docs/RECORDS.md; EVENTS.md: Info info, Warning warning, Error
// major).
func ownSyslog(sev string) int {
	switch sev {
	case sevError:
		return syslogErr
	case sevWarning:
		return syslogWarning
	}
	return syslogInfo
}

func ownSeverity(sev string) events.Severity {
	switch sev {
	case sevError:
		return events.SeverityMajor
	case sevWarning:
		return events.SeverityWarning
	}
	return events.SeverityInfo
}

// licenceDesc writes the description of a licence record.
type licenceDesc struct {
	form      string // "", "escalated", "reminder", "cleared"
	level     Level
	prev      Level
	day       int
	causeText string
	first     time.Time
	release   string // for causes that depend on it
	next      *transition
	nextDay   int
}

func (d licenceDesc) String() string {
	var b strings.Builder
	switch d.form {
	case "escalated":
		fmt.Fprintf(&b, "License Violation escalated from %s to %s, day %d", d.prev, d.level, d.day)
	case "reminder":
		fmt.Fprintf(&b, "License Violation reminder - level %s, day %d", d.level, d.day)
	case "cleared":
		fmt.Fprintf(&b, "License Violation cleared - level Clear, day %d", d.day)
	default:
		fmt.Fprintf(&b, "License Violation - level %s, day %d", d.level, d.day)
	}
	fmt.Fprintf(&b, "; cause: %s; first detected %s", d.causeText, d.first.Format("2006/01/02 15:04:05"))
	if d.form == "cleared" {
		return b.String()
	}
	if d.release != "" {
		b.WriteString("; release " + d.release)
	}
	if d.next != nil {
		fmt.Fprintf(&b, "; next level %s on day %d", d.next.Level, d.nextDay)
	}
	if d.level == LevelSystemLock {
		b.WriteString("; outgoing calls restricted to emergency and attendant")
	}
	return b.String()
}
