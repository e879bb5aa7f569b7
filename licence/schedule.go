package licence

import (
	"fmt"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
)

// Day is one day of a violation.
const Day = 24 * time.Hour

// Step is one rung of an escalation schedule: the level a violation
// reaches After this long since it was first detected.
type Step struct {
	Level Level
	After time.Duration
}

// Calendar pins a schedule to dates rather than day counts: from Raise
// (midnight UTC) every system on an affected release without the patch
// raises a violation of Cause, and at Lock it enters System Lock however
// many days it has been in violation.
type Calendar struct {
	Cause events.Cause
	Raise time.Time
	Lock  time.Time
}

// Schedule is how a licence violation escalates if nothing is done. The
// figures are data; Source says where they come from and Modelled what
// was assumed.
type Schedule struct {
	Name  string
	Steps []Step // by After; the first is Warning after 0
	// LockOverPercent, when above 0, holds the System Lock step back until
	// the over-allocated licences exceed this percentage of all purchased
	// licences; until then the violation stays at the step below.
	LockOverPercent float64
	// Calendar, when set, applies to violations of its cause.
	Calendar *Calendar
	Source   string
	Modelled string
}

var stepsDefault = []Step{
	{LevelWarning, 0}, {LevelMinor, 2 * Day}, {LevelMajor, 7 * Day},
	{LevelCritical, 14 * Day}, {LevelSystemLock, 36 * Day},
}

// Schedules are the escalation schedules a scenario may name.
var Schedules = []Schedule{
	{
		Name:   "default",
		Steps:  stepsDefault,
		Source: "seed.txt: Day 1-2 Warning, Day 2-7 Minor, Day 7-14 Major, Day 14-36 Critical, Day 36 System Lock. Not found in any Mitel document (mitel-facts.md §9.3).",
		Modelled: "The day figures are read as days elapsed since first detection, so Minor starts 2 days after detection (the record's day 3, as in docs/RECORDS.md). " +
			"System Lock is reached unconditionally; the seed's \"in limited circumstances\" is not modelled.",
	},
	{
		Name: "3300-legacy",
		Steps: []Step{
			{LevelWarning, 0}, {LevelMinor, 15 * Day}, {LevelMajor, 20 * Day},
			{LevelCritical, 25 * Day}, {LevelSystemLock, 30 * Day},
		},
		LockOverPercent: 5,
		Source:          "3300 ICP Troubleshooting Guide, Table 7 (mitel-facts.md §9.3 [S22]): Minor 15 days after the original event, Major 20, Critical 25, System Lock 30 days and only when the over-allocated licences exceed 5% of all purchased licences.",
		Modelled:        "Over-allocation is counted over the IP user and IP device licences the emulator models. A violation that may not lock stays at Critical.",
	},
	{
		Name:     "cert-2020",
		Steps:    stepsDefault,
		Calendar: &Calendar{Cause: events.CauseCertificateUpdate, Raise: Date(2020, 8, 21), Lock: Date(2020, 9, 11)},
		Source:   "Mitel's 2020 Security Certificate Update notice (seed.txt; mitel-facts.md §9.3 [S21]): affected releases without the patch raise a License Violation on or after 21 August 2020 and enter System Lock on 11 September 2020.",
		Modelled: "Only the two dates are sourced. Between them the violation escalates on the default schedule (Minor after 2 days, Major after 7, Critical after 14), and System Lock on 11 September 00:00 UTC replaces the day-36 step: " +
			"21 days mapped onto the default levels is our assumption. The time of day each system detects the violation on 21 August is modelled.",
	},
}

// Date is midnight UTC of a day.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// LookupSchedule returns the schedule named name.
func LookupSchedule(name string) (*Schedule, error) {
	for i := range Schedules {
		if Schedules[i].Name == name {
			return &Schedules[i], nil
		}
	}
	names := make([]string, len(Schedules))
	for i, s := range Schedules {
		names[i] = s.Name
	}
	return nil, fmt.Errorf("schedule %q is not one of %v", name, names)
}

// Transition is a level and when it is reached.
type Transition struct {
	Level Level
	At    time.Time
}

// Transitions lists when a violation of cause first detected at first
// reaches each level, in time order; overPercent is the over-allocation
// at the time asked, for LockOverPercent.
func (s *Schedule) Transitions(first time.Time, cause events.Cause, overPercent float64) []Transition {
	out := make([]Transition, 0, len(s.Steps)+1)
	lockAt := time.Time{}
	for _, st := range s.Steps {
		if st.Level == LevelSystemLock && s.LockOverPercent > 0 && overPercent <= s.LockOverPercent {
			continue
		}
		t := Transition{st.Level, first.Add(st.After)}
		if st.Level == LevelSystemLock {
			lockAt = t.At
		}
		out = append(out, t)
	}
	if c := s.Calendar; c != nil && c.Cause == cause && (lockAt.IsZero() || c.Lock.Before(lockAt)) {
		kept := out[:0]
		for _, t := range out {
			if t.Level != LevelSystemLock {
				kept = append(kept, t)
			}
		}
		out = append(kept, Transition{LevelSystemLock, c.Lock})
	}
	return out
}

// LevelAt returns the level a violation of cause, first detected at
// first, has reached at time at when nothing else raised it; Clear before
// first. overPercent is the over-allocated share of purchased licences.
func (s *Schedule) LevelAt(first, at time.Time, cause events.Cause, overPercent float64) Level {
	if at.Before(first) {
		return LevelClear
	}
	l := LevelWarning
	for _, t := range s.Transitions(first, cause, overPercent) {
		if !t.At.After(at) && t.Level > l {
			l = t.Level
		}
	}
	return l
}

// Next returns the first level above cur that the schedule reaches after
// at, and when; ok is false when there is none.
func (s *Schedule) Next(first, at time.Time, cur Level, cause events.Cause, overPercent float64) (Transition, bool) {
	var best Transition
	found := false
	for _, t := range s.Transitions(first, cause, overPercent) {
		if t.Level > cur && t.At.After(at) && (!found || t.At.Before(best.At) || t.At.Equal(best.At) && t.Level > best.Level) {
			best, found = t, true
		}
	}
	if !found {
		return Transition{}, false
	}
	// Several steps may fall due together (a calendar lock before a step):
	// the highest due at that moment wins.
	for _, t := range s.Transitions(first, cause, overPercent) {
		if t.At.Equal(best.At) && t.Level > best.Level {
			best.Level = t.Level
		}
	}
	return best, true
}

// DayOf is the day of a violation first detected at first, counting the
// calendar day (UTC) of detection as day 1, as docs/RECORDS.md's examples
// do: detected 21 August 09:00, 11 September 00:00 is day 22.
func DayOf(first, at time.Time) int {
	if at.Before(first) {
		return 0
	}
	y1, m1, d1 := first.UTC().Date()
	y2, m2, d2 := at.UTC().Date()
	return int(Date(y2, m2, d2).Sub(Date(y1, m1, d1))/Day) + 1
}
