package emulator

import (
	"context"
	"time"
)

// clock is the virtual clock of a run: virtual time starts at start when
// the clock is made and runs speed times as fast as real time.
type clock struct {
	start time.Time
	real  time.Time
	speed float64
}

func newClock(start time.Time, speed float64) *clock {
	return &clock{start: start, real: time.Now(), speed: speed}
}

// now is the virtual time.
func (c *clock) now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.real)) * c.speed))
}

// waitUntil returns when the virtual time reaches t, or with ctx's error
// when ctx ends first.
func (c *clock) waitUntil(ctx context.Context, t time.Time) error {
	for {
		ahead := t.Sub(c.now())
		if ahead <= 0 {
			return nil
		}
		timer := time.NewTimer(time.Duration(float64(ahead) / c.speed))
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
