package mivb

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The hand-written isClock and parseNumericDate replaced versions that
// allocated; the former versions are kept here as the reference the new
// ones must agree with on every input.

// randomText builds short strings from the bytes dates and clocks are
// made of, so that near-misses of every form come up.
func randomText(r *rand.Rand, alphabet string, maxLen int) string {
	b := make([]byte, r.IntN(maxLen+1))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func TestIsClock_AgreesWithFormerVersion(t *testing.T) {
	for _, s := range []string{"10:00", "9:05", "10:00:00", "10:00:00.123", "10:00:00,5", "+1:30", "-1:30:00",
		"10:00.5", "10:00:00.", "10:00:", "1:2:3:4", "1:2:3.4:5", "3,4.5", "ab:cd", "10:00:00.-5", "1000"} {
		require.Equal(t, formerIsClock(s), isClock(s), "isClock(%q)", s)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 300000 {
		s := randomText(r, "0123456789::.,+-a", 19)
		require.Equal(t, formerIsClock(s), isClock(s), "isClock(%q)", s)
	}
}

func TestParseNumericDate_AgreesWithFormerVersion(t *testing.T) {
	loc := time.FixedZone("", 3600)
	check := func(s string) {
		at, n, ok := parseNumericDate([]byte(s), loc)
		wat, wn, wok := formerParseNumericDate([]byte(s), loc)
		require.Equal(t, wok, ok, "ok for %q", s)
		require.Equal(t, wn, n, "n for %q", s)
		require.True(t, wat.Equal(at) && wat.Location().String() == at.Location().String(), "%q: %v, want %v", s, at, wat)
	}
	for _, s := range []string{"2020/08/21 10:00:00", "2020-08-21t09:00:00z", "2020.08.21 09:00 +01:00",
		"2020/08/21_09:00:00.123456789", "2020/08/21 09:00:60", "2020/02/30", "2020/08/21 9:5", "2020/08/21  09:00:00 utc",
		"2020/08/21 09:00:00,5 -0130", "2020/08/21 09:00:00.", "2020/08/21 25:00", "2020/08/211", "1969/01/01"} {
		check(s)
	}
	r := rand.New(rand.NewPCG(5, 6))
	digits := "0123456789"
	for range 300000 {
		// Mostly well-formed dates with a random tail, so that every
		// branch of the time and zone is reached, and some noise.
		s := strconv.Itoa(1990+r.IntN(40)) + randomText(r, "/-.x", 1) + randomText(r, digits, 2) +
			randomText(r, "/-.", 1) + randomText(r, digits, 3) + randomText(r, " t_x", 2) +
			randomText(r, digits, 2) + randomText(r, ":", 1) + randomText(r, digits, 3) +
			randomText(r, ":", 1) + randomText(r, digits, 2) + randomText(r, ".,", 1) + randomText(r, digits, 10) +
			randomText(r, " ", 2) + []string{"", "z", "utc", "gmt", "+01:00", "-0130", "+1", "zz", "9"}[r.IntN(9)] +
			randomText(r, "0123456789/-.: t_z+,u", 3)
		check(s)
	}
}

// formerIsClock is isClock as it was.
func formerIsClock(s string) bool {
	if len(s) < 4 || len(s) > 18 {
		return false
	}
	parts := strings.SplitN(s, ":", 3)
	if len(parts) < 2 {
		return false
	}
	last := parts[len(parts)-1]
	if k := strings.IndexAny(last, ".,"); k >= 0 && len(parts) == 3 {
		if _, err := strconv.Atoi(last[k+1:]); err != nil {
			return false
		}
		parts[len(parts)-1] = last[:k]
	}
	for _, p := range parts {
		if len(p) < 1 || len(p) > 2 {
			return false
		}
		if _, err := strconv.Atoi(p); err != nil {
			return false
		}
	}
	return true
}

// formerParseNumericDate is parseNumericDate as it was.
func formerParseNumericDate(b []byte, loc *time.Location) (time.Time, int, bool) {
	var f formerDateFields
	i := 0
	num := func(dst *string, min, max int) bool {
		j := i
		for j < len(b) && j-i < max && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j-i < min {
			return false
		}
		*dst, i = string(b[i:j]), j
		return true
	}
	sep := func(set string) bool {
		if i < len(b) && strings.IndexByte(set, b[i]) >= 0 {
			i++
			return true
		}
		return false
	}
	if !num(&f.y, 4, 4) || !sep("/.-") || !num(&f.mo, 1, 2) || !sep("/.-") || !num(&f.d, 1, 2) {
		return time.Time{}, 0, false
	}
	end := i
	// The time, after 't', '_' or spaces.
	if i < len(b) && (b[i] == 't' || b[i] == '_') {
		i++
	} else {
		for i < len(b) && b[i] == ' ' {
			i++
		}
	}
	if i > end && num(&f.h, 1, 2) && sep(":") && num(&f.mi, 2, 2) {
		end = i
		if sep(":") && num(&f.s, 2, 2) {
			end = i
			if sep(".,") && num(&f.frac, 1, 9) {
				end = i
			}
		}
	} else {
		f.h = ""
	}
	k := end
	for k < len(b) && b[k] == ' ' {
		k++
	}
	if z := zoneAt(b[k:]); z != "" {
		f.zone, end = z, k+len(z)
	}
	if end < len(b) && (b[end] >= '0' && b[end] <= '9') {
		return time.Time{}, 0, false
	}
	at, ok := buildTime(f.get, loc)
	return at, end, ok
}

type formerDateFields struct{ y, mo, d, h, mi, s, frac, zone string }

func (f *formerDateFields) get(name string) string {
	switch name {
	case "y":
		return f.y
	case "mo":
		return f.mo
	case "d":
		return f.d
	case "h":
		return f.h
	case "mi":
		return f.mi
	case "s":
		return f.s
	case "frac":
		return f.frac
	case "zone":
		return f.zone
	}
	return ""
}
