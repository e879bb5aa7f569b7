package board

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var d0 = time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC)

func value(t testing.TB, fields map[string]any) []byte {
	t.Helper()
	for k, v := range fields {
		if tm, ok := v.(time.Time); ok {
			fields[k] = tm.Format(time.RFC3339)
		}
	}
	b, err := json.Marshal(fields)
	require.NoError(t, err)
	return b
}

func TestLockOrder_LockedThenSoonestLockThenByLevelThenCleared(t *testing.T) {
	f := newFleet(8)
	for i, v := range []map[string]any{
		{"system": "cleared", "level": "cleared"},
		{"system": "warn-a", "level": "warning"},
		{"system": "major-nolock", "level": "major"},
		{"system": "lock-late", "level": "minor", "system_lock_at": d0.Add(30 * 24 * time.Hour)},
		{"system": "lock-soon", "level": "warning", "system_lock_at": d0.Add(2 * 24 * time.Hour)},
		{"system": "locked", "level": "system_lock"},
		{"system": "broken", "level": 7},
		{"system": "info", "level": "info"},
		{"system": "warn-b", "level": "warning"},
	} {
		f.put(v["system"].(string), uint64(i+1), d0, value(t, v))
	}
	assert.Equal(t, []string{"locked", "lock-soon", "lock-late", "major-nolock", "warn-a", "warn-b", "broken", "info", "cleared"}, keys(f.sorted()))
}

func TestHistory_AddsAStepOnlyWhenTheLevelChanges(t *testing.T) {
	tests := []struct {
		name   string
		levels []string
		limit  int
		want   []string
	}{
		{"escalation", []string{"warning", "minor", "major", "critical", "system_lock"}, 8, []string{"warning", "minor", "major", "critical", "system_lock"}},
		{"repeats kept once", []string{"warning", "warning", "minor", "minor", "minor"}, 8, []string{"warning", "minor"}},
		{"clear and raise again", []string{"minor", "cleared", "warning"}, 8, []string{"minor", "cleared", "warning"}},
		{"oldest dropped past the limit", []string{"warning", "minor", "major", "critical"}, 2, []string{"major", "critical"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFleet(tc.limit)
			var sys *System
			for i, l := range tc.levels {
				sys, _, _ = f.put("k", uint64(i+1), d0, value(t, map[string]any{"level": l, "level_since": d0.Add(time.Duration(i) * 24 * time.Hour)}))
			}
			assert.Equal(t, tc.want, levelsOf(sys.History))
		})
	}
}

func TestPut_IgnoresRevisionsAlreadyApplied(t *testing.T) {
	f := newFleet(8)
	_, changed, _ := f.put("k", 5, d0, value(t, map[string]any{"level": "major"}))
	require.True(t, changed)
	sys, changed, _ := f.put("k", 4, d0, value(t, map[string]any{"level": "warning"}))
	assert.False(t, changed)
	assert.Equal(t, "major", sys.Level)
	_, changed, _ = f.put("k", 5, d0, value(t, map[string]any{"level": "warning"}))
	assert.False(t, changed)
}

func TestTimeline_SeenLevelsThenForecast(t *testing.T) {
	lock := d0.Add(21 * 24 * time.Hour)
	tests := []struct {
		name string
		v    map[string]any
		want []Step
	}{
		{"violation with forecast", map[string]any{"level": "minor", "first_detected_at": d0, "level_since": d0.Add(48 * time.Hour),
			"next_level": "major", "next_escalation_at": d0.Add(7 * 24 * time.Hour), "system_lock_at": lock},
			[]Step{{"unobserved", d0, false}, {"minor", d0.Add(48 * time.Hour), false}, {"major", d0.Add(7 * 24 * time.Hour), true}, {"system_lock", lock, true}}},
		{"next level is System Lock", map[string]any{"level": "critical", "level_since": d0, "next_level": "system_lock", "next_escalation_at": lock, "system_lock_at": lock},
			[]Step{{"critical", d0, false}, {"system_lock", lock, true}}},
		{"locked: no forecast", map[string]any{"level": "system_lock", "level_since": lock, "system_lock_at": lock},
			[]Step{{"system_lock", lock, false}}},
		{"cleared: no forecast", map[string]any{"level": "cleared", "level_since": d0, "system_lock_at": lock},
			[]Step{{"cleared", d0, false}}},
		{"forecast in the past of the last step left out", map[string]any{"level": "major", "level_since": d0, "next_level": "critical", "next_escalation_at": d0.Add(-time.Hour)},
			[]Step{{"major", d0, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sys, _, _ := newFleet(8).put("k", 1, d0, value(t, tc.v))
			assert.Equal(t, tc.want, sys.Timeline)
		})
	}
}

func TestLayout_PlacesStepsOnOneAxisWithNow(t *testing.T) {
	steps := []Step{{"warning", d0, false}, {"minor", d0.Add(2 * 24 * time.Hour), false}, {"system_lock", d0.Add(11 * 24 * time.Hour), true}}
	// Axis: d0 .. d0+11d plus a twelfth = 11d 22h.
	bars, nowX := layout(steps, d0.Add(4*24*time.Hour))
	require.Len(t, bars, 3)
	span := float64(11*24+22) * float64(time.Hour)
	assert.InDelta(t, 0, bars[0].X, 1e-9)
	assert.InDelta(t, float64(48*time.Hour)/span*1000, bars[0].W, 1e-9)
	assert.InDelta(t, bars[0].X+bars[0].W, bars[1].X, 1e-9)
	assert.True(t, bars[2].Projected)
	assert.InDelta(t, 1000, bars[2].X+bars[2].W, 1e-9)
	assert.InDelta(t, float64(96*time.Hour)/span*1000, nowX, 1e-9)
	assert.Equal(t, "System Lock expected 2020-09-01 09:00 UTC", bars[2].Title)

	_, nowX = layout(steps, d0.Add(-time.Hour))
	assert.Equal(t, 0.0, nowX, "a now before the axis is clamped")
	bars, nowX = layout(nil, d0)
	assert.Empty(t, bars)
	assert.Equal(t, -1.0, nowX)
}

func TestClock_FleetModeOnlyWhenFleetTimesAreFarFromStoreTime(t *testing.T) {
	wall := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		updated   time.Time
		stored    time.Time
		wantMode  string
		wantNow   time.Time
		wantFleet time.Time
	}{
		{"empty fleet", time.Time{}, wall, "server", wall, time.Time{}},
		{"real fleet, fresh", wall.Add(-2 * time.Second), wall.Add(-time.Second), "server", wall, wall.Add(-2 * time.Second)},
		{"real fleet, quiet for days", wall.Add(-72 * time.Hour), wall.Add(-72 * time.Hour), "server", wall, wall.Add(-72 * time.Hour)},
		{"PBX clock in another zone", wall.Add(-10 * time.Hour), wall, "server", wall, wall.Add(-10 * time.Hour)},
		{"emulator, virtual 2020", d0, wall.Add(-time.Minute), "fleet", d0.Add(time.Minute), d0},
		{"fleet ahead of wall time", wall.Add(48 * time.Hour), wall, "fleet", wall.Add(48 * time.Hour), wall.Add(48 * time.Hour)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFleet(8)
			v := map[string]any{"level": "minor"}
			if !tc.updated.IsZero() {
				v["updated_at"] = tc.updated.Format(time.RFC3339Nano)
			}
			f.put("k", 1, tc.stored, value(t, v))
			if tc.name == "empty fleet" {
				f.remove("k")
			}
			c := f.clock(wall)
			assert.Equal(t, tc.wantMode, c.Mode)
			assert.True(t, c.Now.Equal(tc.wantNow), "now %s, want %s", c.Now, tc.wantNow)
			assert.True(t, c.FleetTime.Equal(tc.wantFleet), "fleet_time %s", c.FleetTime)
			assert.True(t, c.ServerTime.Equal(wall))
		})
	}
}

func TestCountdown(t *testing.T) {
	now := d0
	tests := []struct {
		at   time.Time
		want string
	}{
		{now.Add(4*24*time.Hour + 23*time.Hour + 59*time.Minute), "in 4d 23h"},
		{now.Add(5*time.Hour + 12*time.Minute), "in 5h 12m"},
		{now.Add(3*time.Minute + 20*time.Second), "in 3m 20s"},
		{now, "in 0m 00s"},
		{now.Add(-(2*24*time.Hour + time.Hour)), "2d 01h ago"},
		{time.Time{}, ""},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, countdown(now, tc.at), "at %s", tc.at)
	}
}

func TestLevels_PlainLanguageForEveryLevel(t *testing.T) {
	for _, want := range []struct{ level, says string }{
		{"warning", "calls are not affected"},
		{"minor", "Alarms"},
		{"major", "Alarms"},
		{"critical", "phones"},
		{"system_lock", "emergency and attendant calls"},
		{"cleared", "normally"},
	} {
		assert.Contains(t, levelInfo(want.level).Meaning, want.says, want.level)
	}
	assert.Equal(t, "Unknown", levelInfo("").Label)
	assert.Equal(t, "emergency_only", effectiveCalls("", "system_lock"))
	assert.Equal(t, "normal", effectiveCalls("", "critical"))
	assert.Equal(t, "", effectiveCalls("", "unknown"))
}

func TestClockNote_SaysHowFarTheFleetClockIs(t *testing.T) {
	wall := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	assert.Equal(t, "", clockNote(Clock{Mode: "server", ServerTime: wall, Now: wall}))
	assert.Equal(t, "fleet times are 5.5 years behind wall time; countdowns follow the fleet",
		clockNote(Clock{Mode: "fleet", ServerTime: wall, Now: d0}))
	assert.Equal(t, "fleet times are 2d 00h ahead of wall time; countdowns follow the fleet",
		clockNote(Clock{Mode: "fleet", ServerTime: wall, Now: wall.Add(48 * time.Hour)}))
}
