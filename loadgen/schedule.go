package loadgen

import (
	"context"
	"math/bits"
	"sync/atomic"
	"time"
)

// schedule hands out sequence numbers to the senders and says when each is
// due: message n at start + n/rate, so that the senders together keep the
// rate however the work falls between them. A sender that falls behind
// sends what is due at once; one that is ahead sleeps, so at high rates
// messages go out in batches between sleeps.
type schedule struct {
	start    time.Time     // the run's clock, shared with the tokens and the counter
	base     time.Duration // when sending began, since start
	count    int
	interval float64 // nanoseconds between messages; 0: no pacing
	next     atomic.Int64
	stopped  atomic.Bool
}

func newSchedule(start time.Time, base time.Duration, count int, rate float64) *schedule {
	s := &schedule{start: start, base: base, count: count}
	if rate > 0 {
		s.interval = float64(time.Second) / rate
	}
	return s
}

// claim returns the next sequence number and when it is due, measured from
// start; ok is false once every message is claimed or the run has stopped.
func (s *schedule) claim() (seq int, due time.Duration, ok bool) {
	if s.stopped.Load() {
		return 0, 0, false
	}
	n := int(s.next.Add(1) - 1)
	if n >= s.count {
		return 0, 0, false
	}
	return n, s.base + time.Duration(float64(n)*s.interval), true
}

// stop ends the handing out.
func (s *schedule) stop() { s.stopped.Store(true) }

// since is the time since start.
func (s *schedule) since() time.Duration { return time.Since(s.start) }

// waitUntil sleeps until due (since start) or ctx ends; false when ctx
// ended or the run stopped.
func (s *schedule) waitUntil(ctx context.Context, due time.Duration) bool {
	for {
		d := due - s.since()
		if d <= 0 {
			return !s.stopped.Load()
		}
		if s.stopped.Load() || ctx.Err() != nil {
			return false
		}
		// Sleep in slices so that a stop is seen soon even at low rates.
		time.Sleep(min(d, 100*time.Millisecond))
	}
}

// bitset is a set of sequence numbers that many goroutines may add to.
type bitset []atomic.Uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

// set adds i and reports whether it was new.
func (b bitset) set(i int) bool {
	m := uint64(1) << (i % 64)
	return b[i/64].Or(m)&m == 0
}

func (b bitset) has(i int) bool { return b[i/64].Load()&(1<<(i%64)) != 0 }

// countAnd returns how many members of a are in b (inB) or not in b.
func countAnd(a, b bitset, inB bool) int {
	n := 0
	for i := range a {
		x, y := a[i].Load(), b[i].Load()
		if !inB {
			y = ^y
		}
		n += bits.OnesCount64(x & y)
	}
	return n
}
