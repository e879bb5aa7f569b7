package board

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"
)

// maxPassBytes caps the stored value the board passes on as System.State:
// every client gets every change, so one huge value must not multiply.
const maxPassBytes = 64 << 10

// Step is one point of a system's escalation: the level it reached and
// when. Projected steps are the tracker's prediction, not yet reached; a
// step of level "unobserved" marks time the board has no levels for.
type Step struct {
	Level     string    `json:"level"`
	At        time.Time `json:"at"`
	Projected bool      `json:"projected,omitempty"`
}

// System is one PBX as the board shows it: the fields it read from the
// bucket value, labels for people, the levels it was seen at (History),
// the steps its timeline draws, and the value as stored (State) so that
// fields the board does not know still reach API clients.
type System struct {
	Key              string          `json:"key"`
	Name             string          `json:"system"`
	Level            string          `json:"level"`
	LevelLabel       string          `json:"level_label"`
	Meaning          string          `json:"meaning"`
	LevelUncertain   bool            `json:"level_uncertain,omitempty"`
	PossibleLevels   []string        `json:"possible_levels,omitempty"`
	Cause            string          `json:"cause,omitempty"`
	CauseLabel       string          `json:"cause_label,omitempty"`
	Day              int             `json:"day,omitempty"`
	FirstDetectedAt  time.Time       `json:"first_detected_at,omitzero"`
	LevelSince       time.Time       `json:"level_since,omitzero"`
	NextLevel        string          `json:"next_level,omitempty"`
	NextLevelLabel   string          `json:"next_level_label,omitempty"`
	NextEscalationAt time.Time       `json:"next_escalation_at,omitzero"`
	SystemLockAt     time.Time       `json:"system_lock_at,omitzero"`
	Release          string          `json:"release,omitempty"`
	Calls            string          `json:"calls,omitempty"`
	CallsLabel       string          `json:"calls_label,omitempty"`
	Stale            bool            `json:"stale,omitempty"`
	UpdatedAt        time.Time       `json:"updated_at,omitzero"`
	Revision         uint64          `json:"revision"`
	StoredAt         time.Time       `json:"stored_at"`
	Problems         []string        `json:"problems,omitempty"`
	History          []Step          `json:"history"`
	Timeline         []Step          `json:"timeline"`
	State            json.RawMessage `json:"state,omitempty"`

	gen uint64 // watch generation that last saw the key
}

// fleet is the board's model of the bucket. It is not safe for concurrent
// use; the Board locks around it. The exported fields of a *System never
// change once built, so callers may read (and marshal) the ones they got
// after unlocking.
type fleet struct {
	systems      map[string]*System
	gen          uint64
	historyLimit int
}

func newFleet(historyLimit int) *fleet {
	return &fleet{systems: map[string]*System{}, historyLimit: historyLimit}
}

// put applies one stored value. It reports whether anything changed (an
// entry at or below the revision already applied, as a re-watch replays,
// changes nothing) and whether the value could not be read at all.
func (f *fleet) put(key string, rev uint64, stored time.Time, value []byte) (sys *System, changed, unreadable bool) {
	prev := f.systems[key]
	if prev != nil && rev <= prev.Revision {
		prev.gen = f.gen
		return prev, false, false
	}
	st, err := decodeState(value)
	if err != nil {
		unreadable = true
		st = storedState{Problems: []string{err.Error()}}
		if prev != nil && prev.Level != "unknown" {
			// Keep the last level read: a bad write must not look like a clear.
			st.Level = prev.Level
		}
	}
	s := &System{
		Key: key, Name: cmp.Or(st.System, key), Level: cmp.Or(st.Level, "unknown"),
		LevelUncertain: st.LevelUncertain, PossibleLevels: st.PossibleLevels,
		Cause: st.Cause, CauseLabel: causeLabel(st.Cause), Day: st.Day,
		FirstDetectedAt: st.FirstDetectedAt, LevelSince: st.LevelSince,
		NextLevel: st.NextLevel, NextEscalationAt: st.NextEscalationAt, SystemLockAt: st.SystemLockAt,
		Release: st.Release, Stale: st.Stale, UpdatedAt: st.UpdatedAt,
		Revision: rev, StoredAt: stored.UTC(), Problems: st.Problems, gen: f.gen,
	}
	info := levelInfo(s.Level)
	s.LevelLabel, s.Meaning = info.Label, info.Meaning
	if s.NextLevel != "" {
		s.NextLevelLabel = levelInfo(s.NextLevel).Label
	}
	s.Calls = effectiveCalls(st.Calls, st.Level)
	s.CallsLabel = callsLabel(s.Calls)
	if !unreadable {
		if len(value) <= maxPassBytes {
			s.State = json.RawMessage(slices.Clone(value))
		} else {
			s.Problems = append(s.Problems, "state: value over 64 KiB, not passed on")
		}
	}
	s.History = f.history(prev, s, unreadable)
	s.Timeline = timeline(s)
	f.systems[key] = s
	return s, true, unreadable
}

// history adds a step when the level changed since the last one seen.
func (f *fleet) history(prev, s *System, unreadable bool) []Step {
	h := []Step{} // an empty list, not null, for the page's script
	if prev != nil {
		h = prev.History
	}
	if unreadable || s.Level == "unknown" || (len(h) > 0 && h[len(h)-1].Level == s.Level) {
		return h
	}
	at := s.LevelSince
	if at.IsZero() {
		at = cmp.Or(s.UpdatedAt, s.StoredAt)
	}
	out := make([]Step, 0, len(h)+1)
	if over := len(h) + 1 - f.historyLimit; over > 0 {
		h = h[over:]
	}
	out = append(append(out, h...), Step{Level: s.Level, At: at})
	return out
}

// remove forgets a deleted or purged key.
func (f *fleet) remove(key string) bool {
	_, ok := f.systems[key]
	delete(f.systems, key)
	return ok
}

// rewatch starts a new watch generation; sweep then forgets the keys that
// the new watch's initial values did not include (deleted meanwhile).
func (f *fleet) rewatch() { f.gen++ }

func (f *fleet) sweep() (removed []string) {
	for k, s := range f.systems {
		if s.gen != f.gen {
			delete(f.systems, k)
			removed = append(removed, k)
		}
	}
	slices.Sort(removed)
	return removed
}

// sorted lists the systems by time to System Lock (see lockOrder).
func (f *fleet) sorted() []*System {
	out := make([]*System, 0, len(f.systems))
	for _, s := range f.systems {
		out = append(out, s)
	}
	slices.SortFunc(out, lockOrder)
	return out
}

// lockOrder puts first the systems already in System Lock, then those with
// a System Lock date (soonest first), then the rest by level (most severe
// first), and cleared systems last; ties by name.
func lockOrder(a, b *System) int {
	if c := cmp.Compare(orderGroup(a), orderGroup(b)); c != 0 {
		return c
	}
	if c := a.SystemLockAt.Compare(b.SystemLockAt); c != 0 {
		return c
	}
	if c := cmp.Compare(levelRank(b.Level), levelRank(a.Level)); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Key, b.Key))
}

func orderGroup(s *System) int {
	switch {
	case s.Level == "system_lock":
		return 0
	case s.Level == "cleared" || s.Level == "info":
		return 3
	case !s.SystemLockAt.IsZero():
		return 1
	}
	return 2
}

// keys lists the keys in display order.
func keys(systems []*System) []string {
	out := make([]string, len(systems))
	for i, s := range systems {
		out[i] = s.Key
	}
	return out
}
