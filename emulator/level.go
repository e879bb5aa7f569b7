package emulator

import (
	"fmt"
	"strings"

	"github.com/pbxalarm/pbxalarm/events"
)

// Level is a licence-violation level, Clear to System Lock.
type Level int

// The levels, least severe first.
const (
	LevelClear Level = iota
	LevelWarning
	LevelMinor
	LevelMajor
	LevelCritical
	LevelSystemLock
)

// Levels lists every level, least severe first.
var Levels = []Level{LevelClear, LevelWarning, LevelMinor, LevelMajor, LevelCritical, LevelSystemLock}

var levelNames = [...]string{"Clear", "Warning", "Minor", "Major", "Critical", "System Lock"}

var levelSeverities = [...]events.Severity{
	events.SeverityCleared, events.SeverityWarning, events.SeverityMinor,
	events.SeverityMajor, events.SeverityCritical, events.SeveritySystemLock,
}

// String returns the level as MiVB writes it ("System Lock").
func (l Level) String() string {
	if l < LevelClear || l > LevelSystemLock {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return levelNames[l]
}

// Severity returns the event severity of a licence event at this level.
func (l Level) Severity() events.Severity {
	if l < LevelClear || l > LevelSystemLock {
		return ""
	}
	return levelSeverities[l]
}

// AlarmLevel returns the mitelIpera3000AlmLevel the level shows as: Clear
// and Warning raise no alarm (1), Minor 2, Major 3, Critical and System
// Lock both 4 (mitel-facts.md §9.2).
func (l Level) AlarmLevel() int {
	switch {
	case l <= LevelWarning:
		return 1
	case l >= LevelCritical:
		return 4
	}
	return int(l)
}

// ParseLevel reads a level name in any case, with or without the space in
// "System Lock".
func ParseLevel(s string) (Level, error) {
	k := strings.ToLower(strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '_' || r == '-' }), ""))
	for i, n := range levelNames {
		if strings.ToLower(strings.ReplaceAll(n, " ", "")) == k {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("level %q is not one of Clear, Warning, Minor, Major, Critical, System Lock", s)
}

// MarshalText writes the level's name.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a level's name.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

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
