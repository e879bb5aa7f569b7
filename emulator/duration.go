package emulator

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration that scenario files write as Go durations
// with days and weeks added: "90s", "36h", "2d", "1w2d12h".
type Duration time.Duration

var durationUnits = regexp.MustCompile(`^(?:(\d+)w)?(?:(\d+)d)?(.*)$`)

// ParseDuration reads a duration such as "2d12h" or "45m".
func ParseDuration(s string) (Duration, error) {
	m := durationUnits.FindStringSubmatch(s)
	if s == "" || m == nil {
		return 0, fmt.Errorf("duration %q: want e.g. 90s, 36h, 2d, 1w2d12h", s)
	}
	var d time.Duration
	for i, unit := range []time.Duration{7 * day, day} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil || n > 10000 {
			return 0, fmt.Errorf("duration %q: too large", s)
		}
		d += time.Duration(n) * unit
	}
	if m[3] != "" {
		rest, err := time.ParseDuration(m[3])
		if err != nil {
			return 0, fmt.Errorf("duration %q: want e.g. 90s, 36h, 2d, 1w2d12h", s)
		}
		d += rest
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	return Duration(d), nil
}

// String writes the duration with whole days as "d".
func (d Duration) String() string {
	td := time.Duration(d)
	if td >= day && td%day == 0 {
		return strconv.FormatInt(int64(td/day), 10) + "d"
	}
	if td > day {
		return strconv.FormatInt(int64(td/day), 10) + "d" + (td % day).String()
	}
	return td.String()
}

// UnmarshalYAML reads a duration scalar.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a duration such as 2d or 36h", n.Line)
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }
