package board

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// storedState is what the board reads from one bucket value. The tracker owns
// the value's format; the board decodes each field it knows on its own and
// ignores the rest, so a field added, or one whose type changed, costs at
// most that field (listed in Problems), never the row.
type storedState struct {
	System           string
	Level            string // normalised: cleared, info, warning, minor, major, critical, system_lock
	Cause            string
	FirstDetectedAt  time.Time
	Day              int
	LevelSince       time.Time
	NextLevel        string // normalised like Level
	NextEscalationAt time.Time
	SystemLockAt     time.Time
	Release          string
	Calls            string
	UpdatedAt        time.Time
	LevelUncertain   bool
	PossibleLevels   []string
	Stale            bool
	Problems         []string // "field: why" for each known field that could not be read
}

// errNotObject says a value is not a JSON object at all.
var errNotObject = errors.New("value is not a JSON object")

// decodeState reads a bucket value loosely (see storedState).
func decodeState(b []byte) (storedState, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return storedState{}, errNotObject
	}
	var s storedState
	d := fieldDecoder{fields: fields, problems: &s.Problems}
	d.str("system", &s.System)
	d.level("level", &s.Level)
	d.str("cause", &s.Cause)
	d.time("first_detected_at", &s.FirstDetectedAt)
	d.int("day", &s.Day)
	d.time("level_since", &s.LevelSince)
	d.level("next_level", &s.NextLevel)
	d.time("next_escalation_at", &s.NextEscalationAt)
	d.time("system_lock_at", &s.SystemLockAt)
	d.str("release", &s.Release)
	d.str("calls", &s.Calls)
	d.time("updated_at", &s.UpdatedAt)
	d.bool("level_uncertain", &s.LevelUncertain)
	d.levels("possible_levels", &s.PossibleLevels)
	d.bool("stale", &s.Stale)
	return s, nil
}

// fieldDecoder decodes one field at a time; null and absent fields leave
// the zero value.
type fieldDecoder struct {
	fields   map[string]json.RawMessage
	problems *[]string
}

func (d fieldDecoder) raw(name string) (json.RawMessage, bool) {
	v, ok := d.fields[name]
	if !ok || bytes.Equal(v, []byte("null")) {
		return nil, false
	}
	return v, true
}

func (d fieldDecoder) into(name string, v any, want string) bool {
	r, ok := d.raw(name)
	if !ok {
		return false
	}
	if err := json.Unmarshal(r, v); err != nil {
		*d.problems = append(*d.problems, fmt.Sprintf("%s: want %s", name, want))
		return false
	}
	return true
}

func (d fieldDecoder) str(name string, p *string) { d.into(name, p, "a string") }

func (d fieldDecoder) bool(name string, p *bool) { d.into(name, p, "true or false") }

func (d fieldDecoder) int(name string, p *int) {
	var f float64 // a number written as 3.0 is still day 3
	if d.into(name, &f, "a number") {
		if f != float64(int(f)) || f < 0 || f > 1e6 {
			*d.problems = append(*d.problems, fmt.Sprintf("%s: want a whole number of days", name))
			return
		}
		*p = int(f)
	}
}

func (d fieldDecoder) time(name string, p *time.Time) {
	var s string
	if !d.into(name, &s, "an RFC 3339 time") || s == "" {
		return
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		*d.problems = append(*d.problems, fmt.Sprintf("%s: want an RFC 3339 time", name))
		return
	}
	*p = t.UTC()
}

func (d fieldDecoder) level(name string, p *string) {
	var s string
	if d.into(name, &s, "a level name") {
		*p = normLevel(s)
	}
}

func (d fieldDecoder) levels(name string, p *[]string) {
	var ss []string
	if d.into(name, &ss, "a list of level names") {
		for _, s := range ss {
			*p = append(*p, normLevel(s))
		}
	}
}

// normLevel accepts a level as a severity ("system_lock") or as MiVB
// writes it ("System Lock", "Clear").
func normLevel(s string) string {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer(" ", "_", "-", "_").Replace(k)
	switch k {
	case "clear":
		return "cleared"
	case "systemlock":
		return "system_lock"
	}
	return k
}
