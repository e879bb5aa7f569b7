package emulator

import (
	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/licence"
)

// Level is a licence-violation level, Clear to System Lock (package
// licence holds the levels and schedules; the emulator plays them).
type Level = licence.Level

// The levels, least severe first.
const (
	LevelClear      = licence.LevelClear
	LevelWarning    = licence.LevelWarning
	LevelMinor      = licence.LevelMinor
	LevelMajor      = licence.LevelMajor
	LevelCritical   = licence.LevelCritical
	LevelSystemLock = licence.LevelSystemLock
)

// Levels lists every level, least severe first.
var Levels = licence.Levels

// ParseLevel reads a level name in any case, with or without the space in
// "System Lock".
func ParseLevel(s string) (Level, error) { return licence.ParseLevel(s) }

// alarmSeverity is the event severity of an alarm level 1..4.
func alarmSeverity(alm int) events.Severity {
	switch alm {
	case 2:
		return events.SeverityMinor
	case 3:
		return events.SeverityMajor
	case 4:
		return events.SeverityCritical
	}
	return events.SeverityCleared
}

// alarmWord is how an alarm record names an alarm level 1..4.
func alarmWord(alm int) string {
	return [...]string{"Clear", "Clear", "Minor", "Major", "Critical"}[min(max(alm, 0), 4)]
}
