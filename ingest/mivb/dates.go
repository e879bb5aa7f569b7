package mivb

import (
	"bytes"
	"regexp"
	"strings"
	"time"
)

// dateForms are the written forms of a date and time that records use,
// each anchored at the start of the text. Groups: y, mo (number) or mon
// (name), d, h, mi, s, frac, zone.
var dateForms = []*regexp.Regexp{
	// 2020/08/21 09:00:00, 2020-08-21T09:00:00Z, 2020.08.21 09:00 +01:00
	regexp.MustCompile(`^(?P<y>\d{4})[/.-](?P<mo>\d{1,2})[/.-](?P<d>\d{1,2})` + clockTail),
	// 21-Aug-2020 09:00, 21 August 2020, 09:00:00
	regexp.MustCompile(`^(?P<d>\d{1,2})[-\s/.](?P<mon>` + monthNames + `)[a-z]*\.?[-\s/.,]+(?P<y>\d{4})` + clockTail),
	// Aug 21, 2020 09:00:00
	regexp.MustCompile(`^(?P<mon>` + monthNames + `)[a-z]*\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})` + clockTail),
}

const (
	monthNames = `jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec`
	clockTail  = `(?:(?:t|_|\s+at\s+|,\s*|\s+)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?)?` +
		`(?:\s*(?P<zone>z|utc|gmt|[+-]\d{2}:?\d{2})\b)?`
)

var monthIndex = map[string]time.Month{
	"jan": time.January, "feb": time.February, "mar": time.March, "apr": time.April,
	"may": time.May, "jun": time.June, "jul": time.July, "aug": time.August,
	"sep": time.September, "oct": time.October, "nov": time.November, "dec": time.December,
}

// parseDate reads a date (and time, and zone) at the start of lower-case
// b. A date without a zone is in loc. n is how many bytes were read.
func parseDate(b []byte, loc *time.Location) (at time.Time, n int, ok bool) {
	if len(b) < 8 {
		return time.Time{}, 0, false
	}
	var forms []*regexp.Regexp
	switch {
	case b[0] >= 'a' && b[0] <= 's':
		if _, isMonth := monthIndex[string(b[:3])]; !isMonth {
			return time.Time{}, 0, false
		}
		forms = dateForms[2:]
	case b[0] < '0' || b[0] > '9':
		return time.Time{}, 0, false
	case b[1] >= '0' && b[1] <= '9' && b[2] >= '0' && b[2] <= '9':
		forms = dateForms[:1] // only a year has three digits in a row
	default:
		forms = dateForms[1:2]
	}
	if at, n, ok := parseNumericDate(b, loc); ok {
		return at, n, true
	}
	// The regexp package keeps its input where escape analysis cannot see
	// it let go: a copy keeps b on the caller's stack on the common path.
	c := bytes.Clone(b)
	for _, re := range forms {
		m := re.FindSubmatchIndex(c)
		if m == nil {
			continue
		}
		g := func(name string) string {
			i := re.SubexpIndex(name)
			if i < 0 || m[2*i] < 0 {
				return ""
			}
			return string(c[m[2*i]:m[2*i+1]])
		}
		at, ok = buildTime(g, loc)
		if ok {
			return at, m[1], true
		}
	}
	return time.Time{}, 0, false
}

func buildTime(g func(string) string, loc *time.Location) (time.Time, bool) {
	y, d := atoiOr(g("y"), 0), atoiOr(g("d"), 0)
	mo := time.Month(atoiOr(g("mo"), 0))
	if name := g("mon"); name != "" {
		mo = monthIndex[name]
	}
	h, mi, s := atoiOr(g("h"), 0), atoiOr(g("mi"), 0), atoiOr(g("s"), 0)
	ns := 0
	if f := g("frac"); f != "" {
		for len(f) < 9 {
			f += "0"
		}
		ns = atoiOr(f, 0)
	}
	return makeTime(y, mo, d, h, mi, s, ns, g("zone"), loc)
}

// makeTime checks the parts of a date and time and builds it: in zone
// where one is written, else in loc.
func makeTime(y int, mo time.Month, d, h, mi, s, ns int, zone string, loc *time.Location) (time.Time, bool) {
	if y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60 {
		return time.Time{}, false
	}
	if s == 60 { // a leap second reads as the next instant
		s, ns = 59, 999999999
	}
	if zone != "" {
		off, ok := zoneOffset(zone)
		if !ok {
			return time.Time{}, false
		}
		loc = time.UTC
		if off != 0 {
			loc = time.FixedZone("", off)
		}
	}
	at := time.Date(y, mo, d, h, mi, s, ns, loc)
	if at.Day() != d || at.Month() != mo { // 31 June and the like
		return time.Time{}, false
	}
	return at, true
}

// zoneOffset returns the offset in seconds of z, utc, gmt or ±hh[:]mm.
func zoneOffset(z string) (int, bool) {
	switch z {
	case "z", "utc", "gmt":
		return 0, true
	}
	if len(z) != 5 && len(z) != 6 || z[0] != '+' && z[0] != '-' {
		return 0, false
	}
	hh, mm := z[1:3], z[len(z)-2:]
	if len(z) == 6 && z[3] != ':' || !allDigits(hh) || !allDigits(mm) {
		return 0, false
	}
	h, m := atoiOr(hh, 99), atoiOr(mm, 99)
	if h > 14 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if z[0] == '-' {
		off = -off
	}
	return off, true
}

// atoiOr reads up to 9 decimal digits; anything else gives def (without
// the error value strconv would allocate).
func atoiOr(s string, def int) int {
	if !allDigits(s) || len(s) > 9 {
		return def
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseNumericDate reads the common form, 2020/08/21 09:00:00 or
// 2020-08-21T09:00:00Z, by hand: it runs on every record header, where
// the regular expressions cost microseconds. Other forms fall through to
// dateForms.
func parseNumericDate(b []byte, loc *time.Location) (time.Time, int, bool) {
	i := 0
	// num reads min to max digits at i.
	num := func(min, max int) (v, n int, ok bool) {
		for i+n < len(b) && n < max && b[i+n] >= '0' && b[i+n] <= '9' {
			v = v*10 + int(b[i+n]-'0')
			n++
		}
		if n < min {
			return 0, 0, false
		}
		i += n
		return v, n, true
	}
	sep := func(set string) bool {
		if i < len(b) && strings.IndexByte(set, b[i]) >= 0 {
			i++
			return true
		}
		return false
	}
	y, _, ok := num(4, 4)
	if !ok || !sep("/.-") {
		return time.Time{}, 0, false
	}
	mo, _, ok := num(1, 2)
	if !ok || !sep("/.-") {
		return time.Time{}, 0, false
	}
	d, _, ok := num(1, 2)
	if !ok {
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
	var h, mi, sec, ns int
	if i > end {
		if hh, _, ok := num(1, 2); ok && sep(":") {
			if mm, _, ok := num(2, 2); ok {
				h, mi, end = hh, mm, i
				if sep(":") {
					if ss, _, ok := num(2, 2); ok {
						sec, end = ss, i
						if sep(".,") {
							if f, n, ok := num(1, 9); ok {
								ns, end = f*pow10[9-n], i
							}
						}
					}
				}
			}
		}
	}
	k := end
	for k < len(b) && b[k] == ' ' {
		k++
	}
	zone := zoneAt(b[k:])
	if zone != "" {
		end = k + len(zone)
	}
	if end < len(b) && (b[end] >= '0' && b[end] <= '9') {
		return time.Time{}, 0, false
	}
	at, ok := makeTime(y, time.Month(mo), d, h, mi, sec, ns, zone, loc)
	return at, end, ok
}

var pow10 = [10]int{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

// zoneAt returns the zone at the start of b: z, utc, gmt or ±hh[:]mm,
// ending at a word boundary.
func zoneAt(b []byte) string {
	for _, n := range []int{6, 5, 3, 1} {
		if len(b) < n || len(b) > n && isWordByte(b[n]) {
			continue
		}
		z := string(b[:n])
		if n <= 3 && (z == "z" || z == "utc" || z == "gmt") || n >= 5 && isZone(z) {
			return z
		}
	}
	return ""
}
