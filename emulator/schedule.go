package emulator

import (
	"time"

	"github.com/pbxalarm/pbxalarm/licence"
)

// The schedules live in package licence, shared with the tracker.
type (
	// Schedule is how a licence violation escalates if nothing is done.
	Schedule = licence.Schedule
	// Step is one rung of a schedule.
	Step = licence.Step
	// Calendar pins a schedule to dates.
	Calendar = licence.Calendar
	// transition is a level and when it is reached.
	transition = licence.Transition
)

// Schedules are the escalation schedules a scenario may name.
var Schedules = licence.Schedules

// LookupSchedule returns the schedule named name.
func LookupSchedule(name string) (*Schedule, error) { return licence.LookupSchedule(name) }

const day = licence.Day

// dayOf is the day of a violation first detected at first, counting the
// day of detection as day 1.
func dayOf(first, at time.Time) int { return licence.DayOf(first, at) }

func date(y int, m time.Month, d int) time.Time { return licence.Date(y, m, d) }
