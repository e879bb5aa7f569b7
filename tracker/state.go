package tracker

import (
	"time"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/licence"
)

// State is one system's licence state: the value stored under the
// system's token in the pbx_licence bucket. docs/EVENTS.md documents each
// field.
type State struct {
	System           string            `json:"system"`
	Level            events.Severity   `json:"level"`
	Cause            events.Cause      `json:"cause,omitempty"`
	FirstDetectedAt  *time.Time        `json:"first_detected_at"`
	Day              int               `json:"day"`
	LevelSince       *time.Time        `json:"level_since"`
	NextLevel        events.Severity   `json:"next_level,omitempty"`
	NextEscalationAt *time.Time        `json:"next_escalation_at"`
	SystemLockAt     *time.Time        `json:"system_lock_at"`
	Release          string            `json:"release,omitempty"`
	Calls            string            `json:"calls"`
	Sources          map[string]Source `json:"sources"`
	Schedule         string            `json:"schedule"`
	// LevelUncertain is set when the level rests on a trap, which cannot
	// tell Warning from Clear or System Lock from Critical; PossibleLevels
	// then lists what it may be.
	LevelUncertain bool              `json:"level_uncertain,omitempty"`
	PossibleLevels []events.Severity `json:"possible_levels,omitempty"`
	// Stale is set when a system in violation has been quiet for longer
	// than its reminder interval.
	Stale       bool      `json:"stale,omitempty"`
	LastEventID string    `json:"last_event_id"`
	LastSeq     uint64    `json:"last_seq"`
	LastEventAt time.Time `json:"last_event_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Source is what one source (log, logstream, trap) last said.
type Source struct {
	Level      events.Severity `json:"level"`
	At         time.Time       `json:"at"`
	EventID    string          `json:"event_id"`
	AlarmLevel int             `json:"alarm_level,omitempty"`
	Ambiguous  bool            `json:"ambiguous,omitempty"`
}

// Calls in a state.
const (
	CallsNormal        = "normal"
	CallsEmergencyOnly = "emergency_only"
)

// Transition is a change of level, published as a state event.
type Transition struct {
	System   string
	Previous events.Severity
	State    State
	At       time.Time
}

// InViolation reports whether the state is a licence violation.
func (s *State) InViolation() bool {
	return s.Level != "" && s.Level != events.SeverityCleared && s.Level != events.SeverityInfo
}

// TimeToLock returns how long until System Lock from now; ok is false when
// no lock is predicted. A system already locked returns 0.
func (s *State) TimeToLock(now time.Time) (time.Duration, bool) {
	if s.Level == events.SeveritySystemLock {
		return 0, true
	}
	if s.SystemLockAt == nil {
		return 0, false
	}
	return s.SystemLockAt.Sub(now), true
}

func ptr(t time.Time) *time.Time { return &t }

// levelOf maps a licence severity to a level; ok is false for severities
// that are no licence level (info).
func levelOf(s events.Severity) (licence.Level, bool) { return licence.LevelOfSeverity(s) }
