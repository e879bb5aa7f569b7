package emulator

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
)

// levelCodes spell a level per character: W Warning, m Minor, M Major,
// C Critical, L System Lock, . Clear.
var levelCodes = map[byte]Level{'.': LevelClear, 'W': LevelWarning, 'm': LevelMinor, 'M': LevelMajor, 'C': LevelCritical, 'L': LevelSystemLock}

func TestSchedule_LevelAtEachDay(t *testing.T) {
	first := time.Date(2021, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		schedule string
		cause    events.Cause
		over     float64
		// want is the level at first + d days for d = 0, 1, 2, ...
		want string
	}{
		{"default: seed figures as days elapsed", "default", events.CauseLicenceOveruse, 10,
			"WWmmmmmMMMMMMMCCCCCCCCCCCCCCCCCCCCCCLLLLL"},
		{"3300-legacy over 5%: Minor 15, Major 20, Critical 25, Lock 30", "3300-legacy", events.CauseLicenceOveruse, 5.1,
			"WWWWWWWWWWWWWWWmmmmmMMMMMCCCCCLLLLL"},
		{"3300-legacy at 5% or less never locks", "3300-legacy", events.CauseLicenceOveruse, 5,
			"WWWWWWWWWWWWWWWmmmmmMMMMMCCCCCCCCCCCCCCC"},
		{"cert-2020 applies the default schedule to other causes", "cert-2020", events.CauseLicenceExpired, 0,
			"WWmmmmmMMMMMMMCCCCCCCCCCCCCCCCCCCCCCLL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := LookupSchedule(tc.schedule)
			require.NoError(t, err)
			for d := range len(tc.want) {
				at := first.Add(time.Duration(d) * day)
				assert.Equal(t, levelCodes[tc.want[d]], s.LevelAt(first, at, tc.cause, tc.over), "day %d after detection", d)
			}
			assert.Equal(t, LevelClear, s.LevelAt(first, first.Add(-time.Second), tc.cause, tc.over), "before detection")
		})
	}
}

func TestSchedule_Cert2020LocksOnTheDateNotTheDay(t *testing.T) {
	s, err := LookupSchedule("cert-2020")
	require.NoError(t, err)
	first := time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		at   string
		want Level
	}{
		{"2020-08-21T09:00:00Z", LevelWarning},
		{"2020-08-23T08:59:59Z", LevelWarning},
		{"2020-08-23T09:00:00Z", LevelMinor},
		{"2020-08-28T09:00:00Z", LevelMajor},
		{"2020-09-04T09:00:00Z", LevelCritical},
		{"2020-09-10T23:59:59Z", LevelCritical},
		{"2020-09-11T00:00:00Z", LevelSystemLock},
		{"2020-10-01T00:00:00Z", LevelSystemLock},
	} {
		at, _ := time.Parse(time.RFC3339, tc.at)
		assert.Equal(t, tc.want, s.LevelAt(first, at, events.CauseCertificateUpdate, 0), tc.at)
	}
	next, ok := s.Next(first, time.Date(2020, 9, 5, 0, 0, 0, 0, time.UTC), LevelCritical, events.CauseCertificateUpdate, 0)
	require.True(t, ok)
	assert.Equal(t, transition{Level: LevelSystemLock, At: date(2020, 9, 11)}, next)
}

func TestDayOf_CountsCalendarDaysFromDetection(t *testing.T) {
	first := time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		at   time.Time
		want int
	}{
		{first.Add(-time.Hour), 0},
		{first, 1},
		{time.Date(2020, 8, 21, 23, 59, 59, 0, time.UTC), 1},
		{time.Date(2020, 8, 22, 0, 0, 0, 0, time.UTC), 2},
		{time.Date(2020, 8, 23, 9, 0, 0, 0, time.UTC), 3},
		{time.Date(2020, 9, 11, 0, 0, 0, 0, time.UTC), 22}, // docs/RECORDS.md's example
	} {
		assert.Equal(t, tc.want, dayOf(first, tc.at), tc.at.String())
	}
}

func TestLookupSchedule_RefusesUnknownNames(t *testing.T) {
	_, err := LookupSchedule("nightly")
	assert.ErrorContains(t, err, `"nightly"`)
	for _, s := range Schedules {
		assert.NotEmpty(t, s.Source, s.Name)
		assert.NotEmpty(t, s.Modelled, s.Name)
		assert.Equal(t, LevelWarning, s.Steps[0].Level, s.Name)
	}
}

// levelHistory is each system's licence levels as its records announce
// them, one code a change, with the dates.
func levelHistory(p *plan) map[string][]string {
	out := map[string][]string{}
	for _, it := range p.items {
		if it.level != nil {
			name := p.systems[it.sys].name
			out[name] = append(out[name], it.level.Level.String()+" "+it.level.At.Format("2006-01-02T15:04"))
		}
	}
	return out
}

func planOf(t testing.TB, sc Scenario, opts ...Option) *plan {
	t.Helper()
	c, err := compile(sc)
	require.NoError(t, err)
	p, err := makePlan(c, newOptions(opts))
	require.NoError(t, err)
	return p
}

func TestCert2020_WhoRaisesAndWhenItClears(t *testing.T) {
	sc := mustParse(t, `
start: 2020-08-20T00:00:00Z
end: 2020-09-15T00:00:00Z
schedule: cert-2020
systems:
  - {name: UNPATCHED-9-0-SP2, release: 9.0 SP2, detects_at: "09:00"}
  - {name: MCD-5-0, release: MCD 5.0 SP2 PR2, detects_at: "06:00"}
  - {name: SP3, release: 9.0 SP3}
  - {name: R10, release: 10.0}
  - {name: MCD-4-2, release: MCD 4.2 SP2}
  - {name: PATCHED-BEFORE, release: 7.1 SP2, patched: true}
  - name: PATCHED-0828
    release: 8.0 SP1
    detects_at: "13:00"
    events: [{at: 2020-08-28T12:00:00Z, do: patch}]
  - name: UPGRADED-0902
    release: 9.0
    detects_at: "01:00"
    events: [{at: 2020-09-02T21:00:00Z, do: upgrade, release: 9.0 SP3, for: 5m}]
`)
	got := levelHistory(planOf(t, sc))
	assert.Equal(t, map[string][]string{
		"UNPATCHED-9-0-SP2": {"Warning 2020-08-21T09:00", "Minor 2020-08-23T09:00", "Major 2020-08-28T09:00", "Critical 2020-09-04T09:00", "System Lock 2020-09-11T00:00"},
		"MCD-5-0":           {"Warning 2020-08-21T06:00", "Minor 2020-08-23T06:00", "Major 2020-08-28T06:00", "Critical 2020-09-04T06:00", "System Lock 2020-09-11T00:00"},
		"PATCHED-0828":      {"Warning 2020-08-21T13:00", "Minor 2020-08-23T13:00", "Clear 2020-08-28T12:00"},
		"UPGRADED-0902":     {"Warning 2020-08-21T01:00", "Minor 2020-08-23T01:00", "Major 2020-08-28T01:00", "Clear 2020-09-02T21:05"},
	}, got, "9.0 SP3, 10.0, MCD 4.2 and the patched system raise nothing")
}

func TestCert2020_StartedLateTheViolationIsAlreadyOn(t *testing.T) {
	sc := mustParse(t, `
start: 2020-08-20T00:00:00Z
end: 2020-09-15T00:00:00Z
schedule: cert-2020
systems:
  - {name: LATE, release: 9.0 SP2, detects_at: "09:00"}
`)
	p := planOf(t, sc, WithStart(time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, LevelChange{Level: LevelMajor, At: date(2020, 9, 1), Day: 12}, p.systems[0].level, "the level reached by the run's start")
	assert.Equal(t, LevelMajor.AlarmLevel(), p.systems[0].initial.almLevel, "the agent shows it from the start")
	assert.Equal(t, []string{"Critical 2020-09-04T09:00", "System Lock 2020-09-11T00:00"}, levelHistory(p)["LATE"])
	for _, it := range p.items {
		assert.False(t, it.at.Before(date(2020, 9, 1)), "nothing is sent before the start")
	}
}
