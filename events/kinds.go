package events

import "fmt"

// Type is the CloudEvents type attribute of an event.
type Type string

// The event types. Each maps to exactly one Kind (see KindOf).
const (
	TypeLicenceViolation Type = "pbx.licence.violation"
	TypeLicenceCleared   Type = "pbx.licence.cleared"
	TypeAlarm            Type = "pbx.alarm"
	TypeSystem           Type = "pbx.system"
	TypeLog              Type = "pbx.log"
	// State transition types, published by the licence-state tracker.
	TypeStateEscalated Type = "pbx.state.escalated"
	TypeStateCleared   Type = "pbx.state.cleared"
	TypeStateStale     Type = "pbx.state.stale"
)

// Kind says what an event is about; it is the third token of the subject.
type Kind string

// The kinds.
const (
	KindLicence Kind = "licence"
	KindAlarm   Kind = "alarm"
	KindSystem  Kind = "system"
	KindLog     Kind = "log"
	KindState   Kind = "state"
)

// Severity is the normalised severity of an event; it is the fourth token
// of the subject. The order of the constants is the order of urgency.
type Severity string

// The severities, least urgent first.
const (
	SeverityCleared    Severity = "cleared"
	SeverityInfo       Severity = "info"
	SeverityWarning    Severity = "warning"
	SeverityMinor      Severity = "minor"
	SeverityMajor      Severity = "major"
	SeverityCritical   Severity = "critical"
	SeveritySystemLock Severity = "system_lock"
)

// Severities lists every severity, least urgent first.
var Severities = []Severity{
	SeverityCleared, SeverityInfo, SeverityWarning, SeverityMinor,
	SeverityMajor, SeverityCritical, SeveritySystemLock,
}

// Rank orders severities by urgency: cleared is 0, system_lock 6. An
// unknown severity ranks -1.
func (s Severity) Rank() int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return -1
}

// Valid reports whether s is one of the defined severities.
func (s Severity) Valid() bool { return s.Rank() >= 0 }

// Transport says how the message reached pbxalarm.
type Transport string

// The transports.
const (
	TransportSyslog    Transport = "syslog"
	TransportSNMP      Transport = "snmp"
	TransportLogstream Transport = "logstream"
	// TransportTracker marks events the state tracker derives itself.
	TransportTracker Transport = "tracker"
)

// Cause says why a licence violation was raised.
type Cause string

// The causes of a licence violation.
const (
	CauseCertificateUpdate Cause = "certificate_update"
	CauseLicenceOveruse    Cause = "licence_overuse"
	CauseLicenceExpired    Cause = "licence_expired"
	CauseOther             Cause = "other"
	CauseUnknown           Cause = "unknown"
)

var (
	kindOfType = map[Type]Kind{
		TypeLicenceViolation: KindLicence,
		TypeLicenceCleared:   KindLicence,
		TypeAlarm:            KindAlarm,
		TypeSystem:           KindSystem,
		TypeLog:              KindLog,
		TypeStateEscalated:   KindState,
		TypeStateCleared:     KindState,
		TypeStateStale:       KindState,
	}
	validTransports = map[Transport]bool{
		TransportSyslog: true, TransportSNMP: true, TransportLogstream: true, TransportTracker: true,
	}
	validCauses = map[Cause]bool{
		CauseCertificateUpdate: true, CauseLicenceOveruse: true, CauseLicenceExpired: true,
		CauseOther: true, CauseUnknown: true,
	}
)

// KindOf returns the kind an event type belongs to.
func KindOf(t Type) (Kind, error) {
	k, ok := kindOfType[t]
	if !ok {
		return "", fmt.Errorf("events: unknown type %q", t)
	}
	return k, nil
}

// TypeFor returns the event type for a kind and severity: licence events
// are split into violation and cleared; state events are not derived here
// because the tracker chooses their type.
func TypeFor(k Kind, s Severity) Type {
	switch k {
	case KindLicence:
		if s == SeverityCleared {
			return TypeLicenceCleared
		}
		return TypeLicenceViolation
	case KindAlarm:
		return TypeAlarm
	case KindSystem:
		return TypeSystem
	case KindState:
		if s == SeverityCleared {
			return TypeStateCleared
		}
		return TypeStateEscalated
	default:
		return TypeLog
	}
}
