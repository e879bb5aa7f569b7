package board

import (
	"fmt"
	"time"
)

// fleetClockThreshold is how far the fleet's clock must be from wall time
// before the board counts down on the fleet's clock: farther than any time
// zone mistake, so a real fleet always counts down on wall time.
const fleetClockThreshold = 14 * time.Hour

// Clock is what each message says about time, so that the page counts
// down from the same "now" as the server. Now is the time countdowns count
// from: the server's wall time, or on the fleet's clock (Mode "fleet")
// when the fleet's times are far from wall time, as with the emulator's
// virtual 2020 dates. FleetTime is the latest updated_at in the fleet.
type Clock struct {
	ServerTime time.Time `json:"server_time"`
	FleetTime  time.Time `json:"fleet_time,omitzero"`
	Now        time.Time `json:"now"`
	Mode       string    `json:"clock"`
}

// clock reads the fleet's clock off the system updated last by its own
// time: its updated_at against when the bucket stored it (wall time) is
// the fleet's offset from wall time. The offset is measured against the
// store time, not against now, so a fleet that has been quiet for days
// still counts on wall time.
func (f *fleet) clock(wall time.Time) Clock {
	c := Clock{ServerTime: wall.UTC(), Now: wall.UTC(), Mode: "server"}
	var latest *System
	for _, s := range f.systems {
		if !s.UpdatedAt.IsZero() && (latest == nil || s.UpdatedAt.After(latest.UpdatedAt)) {
			latest = s
		}
	}
	if latest == nil {
		return c
	}
	c.FleetTime = latest.UpdatedAt
	if off := latest.UpdatedAt.Sub(latest.StoredAt); off > fleetClockThreshold || off < -fleetClockThreshold {
		c.Now = wall.Add(off).UTC()
		c.Mode = "fleet"
	}
	return c
}

// timeLayout is how the board writes a date and time (always UTC).
const timeLayout = "2006-01-02 15:04 UTC"

// countdown says how long until t from now, as the page's script does
// (board.js, countdown): "in 4d 23h", "in 5h 12m", "in 3m 20s", "2d 1h ago".
func countdown(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := t.Sub(now)
	if d < 0 {
		return span(-d) + " ago"
	}
	return "in " + span(d)
}

func span(d time.Duration) string {
	s := int64(d / time.Second)
	days, hours, mins, secs := s/86400, s/3600%24, s/60%60, s%60
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %02dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh %02dm", hours, mins)
	}
	return fmt.Sprintf("%dm %02ds", mins, secs)
}
