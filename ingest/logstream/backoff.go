package logstream

import (
	"math/rand/v2"
	"time"
)

// backoff gives the waits between reconnection attempts: doubling from
// min up to max, each drawn at random from its upper half so that many
// clients cut off at once do not reconnect in step.
type backoff struct {
	min, max time.Duration
	cur      time.Duration // the next wait's ceiling; zero: start again at min
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	}
	d := b.cur
	b.cur = min(b.cur*2, b.max)
	half := d / 2
	return half + rand.N(d-half+1)
}

// reset starts again at min, after a connection that worked.
func (b *backoff) reset() { b.cur = 0 }
