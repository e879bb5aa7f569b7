package licence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
)

func TestSchedules_LevelAtEachDay(t *testing.T) {
	first := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	def, err := LookupSchedule("default")
	require.NoError(t, err)
	legacy, err := LookupSchedule("3300-legacy")
	require.NoError(t, err)
	for _, tc := range []struct {
		s     *Schedule
		after time.Duration
		over  float64
		want  Level
	}{
		{def, -time.Hour, 0, LevelClear},
		{def, 0, 0, LevelWarning},
		{def, 2*Day - time.Second, 0, LevelWarning},
		{def, 2 * Day, 0, LevelMinor},
		{def, 7 * Day, 0, LevelMajor},
		{def, 14 * Day, 0, LevelCritical},
		{def, 36*Day - time.Second, 0, LevelCritical},
		{def, 36 * Day, 0, LevelSystemLock},
		{legacy, 14 * Day, 10, LevelWarning},
		{legacy, 15 * Day, 10, LevelMinor},
		{legacy, 25 * Day, 10, LevelCritical},
		{legacy, 30 * Day, 10, LevelSystemLock},
		{legacy, 40 * Day, 5, LevelCritical}, // over-allocation not above 5%: no lock
	} {
		got := tc.s.LevelAt(first, first.Add(tc.after), events.CauseLicenceOveruse, tc.over)
		assert.Equal(t, tc.want, got, "%s after %s", tc.s.Name, tc.after)
	}
}

func TestSchedules_Cert2020LocksOn11September(t *testing.T) {
	s, err := LookupSchedule("cert-2020")
	require.NoError(t, err)
	first := time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC)
	cause := events.CauseCertificateUpdate
	assert.Equal(t, LevelCritical, s.LevelAt(first, Date(2020, 9, 10), cause, 0))
	assert.Equal(t, LevelSystemLock, s.LevelAt(first, Date(2020, 9, 11), cause, 0))
	next, ok := s.Next(first, Date(2020, 9, 5), LevelCritical, cause, 0)
	require.True(t, ok)
	assert.Equal(t, Transition{LevelSystemLock, Date(2020, 9, 11)}, next)
	// another cause on the same schedule locks on day 36, not on the date
	assert.Equal(t, LevelCritical, s.LevelAt(first, Date(2020, 9, 11), events.CauseLicenceExpired, 0))
}

func TestDayOf(t *testing.T) {
	first := time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC)
	assert.Equal(t, 0, DayOf(first, first.Add(-time.Second)))
	assert.Equal(t, 1, DayOf(first, first))
	assert.Equal(t, 3, DayOf(first, first.Add(2*Day)))
	assert.Equal(t, 2, DayOf(first, Date(2020, 8, 22)), "a new calendar day is a new day")
	assert.Equal(t, 22, DayOf(first, Date(2020, 9, 11)))
}

func TestLevels_SeverityRoundTrip(t *testing.T) {
	for _, l := range Levels {
		got, ok := LevelOfSeverity(l.Severity())
		require.True(t, ok)
		assert.Equal(t, l, got)
		parsed, err := ParseLevel(l.String())
		require.NoError(t, err)
		assert.Equal(t, l, parsed)
	}
	assert.Equal(t, 4, LevelSystemLock.AlarmLevel())
	assert.Equal(t, 1, LevelWarning.AlarmLevel())
}
