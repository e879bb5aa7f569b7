package board

import (
	"fmt"
	"time"
)

// timeline returns the steps a system's timeline draws: the time before
// the first level seen (from first detection), the levels seen, then the
// tracker's prediction: the next level and System Lock.
func timeline(s *System) []Step {
	steps := make([]Step, 0, len(s.History)+3)
	if len(s.History) > 0 && !s.FirstDetectedAt.IsZero() && s.FirstDetectedAt.Before(s.History[0].At) {
		steps = append(steps, Step{Level: "unobserved", At: s.FirstDetectedAt})
	}
	steps = append(steps, s.History...)
	if s.Level == "cleared" || s.Level == "info" || s.Level == "system_lock" || len(steps) == 0 {
		return steps
	}
	last := steps[len(steps)-1].At
	if s.NextLevel != "" && s.NextEscalationAt.After(last) {
		steps = append(steps, Step{Level: s.NextLevel, At: s.NextEscalationAt, Projected: true})
		last = s.NextEscalationAt
	}
	if s.SystemLockAt.After(last) {
		steps = append(steps, Step{Level: "system_lock", At: s.SystemLockAt, Projected: true})
	}
	return steps
}

// bar is one drawn segment of a timeline, in the 0..1000 units of the
// SVG's view box.
type bar struct {
	X, W      float64
	Level     string
	Projected bool
	Title     string
}

// timelineWidth is the SVG view box width; bars are placed in its units.
const timelineWidth = 1000

// layout places the steps on an axis from the first step to the later of
// now and the last step, plus a tail so that the last level shows. The
// page's script does the same (board.js, layout).
func layout(steps []Step, now time.Time) (bars []bar, nowX float64) {
	if len(steps) == 0 {
		return nil, -1
	}
	start := steps[0].At
	end := steps[len(steps)-1].At
	if now.After(end) {
		end = now
	}
	tail := max(end.Sub(start)/12, time.Hour)
	end = end.Add(tail)
	span := float64(end.Sub(start))
	x := func(t time.Time) float64 {
		return min(max(float64(t.Sub(start))/span*timelineWidth, 0), timelineWidth)
	}
	for i, st := range steps {
		to := end
		if i+1 < len(steps) {
			to = steps[i+1].At
		}
		x0, x1 := x(st.At), x(to)
		if x1 <= x0 {
			continue
		}
		title := fmt.Sprintf("%s from %s", levelInfo(st.Level).Label, st.At.UTC().Format(timeLayout))
		if st.Level == "unobserved" {
			title = "not observed: detected " + st.At.UTC().Format(timeLayout)
		} else if st.Projected {
			title = fmt.Sprintf("%s expected %s", levelInfo(st.Level).Label, st.At.UTC().Format(timeLayout))
		}
		bars = append(bars, bar{X: x0, W: x1 - x0, Level: st.Level, Projected: st.Projected, Title: title})
	}
	return bars, x(now)
}
