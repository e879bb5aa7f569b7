package syslog

import (
	"time"
)

// stamp is a timestamp found at the start of an RFC 3164-style header, in
// one of the forms seen in the wild: "Mmm dd hh:mm:ss" with or without a
// year before or after the time, fractional seconds and a zone word, or an
// ISO 8601 date and time with or without an offset.
type stamp struct {
	year, month, day     int // year 0: none given
	hour, minute, second int
	nano                 int
	zone                 *time.Location // nil: none given
	iso                  bool           // an ISO 8601 form, not "Mmm dd"
}

var months = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// zoneWords are the zone abbreviations accepted after a BSD time. Only UTC
// and GMT have a known offset; the others are skipped (their offsets are
// ambiguous) and the configured location applies.
var zoneWords = map[string]bool{
	"utc": true, "gmt": true, "z": true,
	"est": false, "edt": false, "cst": false, "cdt": false, "mst": false, "mdt": false,
	"pst": false, "pdt": false, "cet": false, "cest": false, "eet": false, "eest": false,
	"wet": false, "west": false, "bst": false, "ist": false, "jst": false, "aest": false, "aedt": false,
}

// scanHeaderStamp finds the timestamp at the start of b, after blanks,
// Cisco message counters and sequence numbers ("123: "), a Cisco origin
// hostname ("host: ") and a clock-state mark ('*' or '.'). It returns the
// stamp, the Cisco origin hostname if any, and the index in b after the
// stamp and the blanks that follow it.
func scanHeaderStamp(b []byte) (st stamp, origin string, end int, ok bool) {
	i := skipBlanks(b, 0)
	// Cisco prefixes: up to two counters, then an optional origin hostname.
	for range 2 {
		j := skipDigits(b, i)
		if j < len(b) && b[j] == ':' && (j+1 == len(b) || b[j+1] == ' ') {
			i = skipBlanks(b, j+1)
		}
	}
	if st, end, ok = scanStampAt(b, i); ok {
		return st, "", end, true
	}
	if j := tokenEnd(b, i); j > i && j < len(b) && b[j-1] == ':' && b[j] == ' ' {
		if st, end, ok = scanStampAt(b, skipBlanks(b, j)); ok {
			return st, string(b[i : j-1]), end, true
		}
	}
	return stamp{}, "", 0, false
}

// scanStampAt reads a stamp at b[i:], after an optional clock-state mark.
func scanStampAt(b []byte, i int) (stamp, int, bool) {
	if i < len(b) && (b[i] == '*' || b[i] == '.') {
		i++
	}
	var st stamp
	var ok bool
	var j int
	if j, ok = st.scanISO(b, i); !ok {
		if j, ok = st.scanBSD(b, i); !ok {
			return stamp{}, 0, false
		}
	}
	j = st.scanZoneWord(b, j)
	if j < len(b) && b[j] == ':' {
		j++
	}
	if j < len(b) && b[j] != ' ' && b[j] != '\t' {
		return stamp{}, 0, false // the stamp must end at a blank or the end
	}
	return st, skipBlanks(b, j), true
}

// scanBSD reads "[YYYY ]Mmm d[d] [YYYY ]hh:mm:ss[.frac][ YYYY]".
func (st *stamp) scanBSD(b []byte, i int) (int, bool) {
	if y, j, ok := fixedDigits(b, i, 4); ok && j < len(b) && b[j] == ' ' {
		st.year, i = y, j+1
	}
	if i+3 > len(b) {
		return 0, false
	}
	st.month = monthOf(b[i : i+3])
	if st.month == 0 {
		return 0, false
	}
	i += 3
	if i >= len(b) || b[i] != ' ' {
		return 0, false
	}
	i = skipSpaces(b, i)
	d, i, ok := upToDigits(b, i, 2)
	if !ok || i >= len(b) || b[i] != ' ' {
		return 0, false
	}
	st.day, i = d, i+1
	if st.year == 0 {
		if y, j, ok := fixedDigits(b, i, 4); ok && j < len(b) && b[j] == ' ' {
			st.year, i = y, j+1
		}
	}
	if i, ok = st.scanClock(b, i); !ok {
		return 0, false
	}
	if st.year == 0 && i < len(b) && b[i] == ' ' {
		if y, j, ok := fixedDigits(b, i+1, 4); ok && (j == len(b) || b[j] == ' ') && y >= 1970 {
			st.year, i = y, j
		}
	}
	return i, true
}

// scanISO reads "YYYY-MM-DD[T ]hh:mm:ss[.frac][Z|±hh[:mm]|±hhmm]"; '/' may
// separate the date's fields.
func (st *stamp) scanISO(b []byte, i int) (int, bool) {
	y, i, ok := fixedDigits(b, i, 4)
	if !ok || i >= len(b) || (b[i] != '-' && b[i] != '/') {
		return 0, false
	}
	sep := b[i]
	if st.month, i, ok = fixedDigits(b, i+1, 2); !ok || i >= len(b) || b[i] != sep {
		return 0, false
	}
	if st.day, i, ok = fixedDigits(b, i+1, 2); !ok || i >= len(b) || (b[i] != 'T' && b[i] != ' ') {
		return 0, false
	}
	st.year, st.iso = y, true
	if i, ok = st.scanClock(b, i+1); !ok {
		return 0, false
	}
	return st.scanOffset(b, i), true
}

// scanClock reads "hh:mm:ss[.frac]".
func (st *stamp) scanClock(b []byte, i int) (int, bool) {
	var ok bool
	if st.hour, i, ok = fixedDigits(b, i, 2); !ok || i >= len(b) || b[i] != ':' {
		return 0, false
	}
	if st.minute, i, ok = fixedDigits(b, i+1, 2); !ok || i >= len(b) || b[i] != ':' {
		return 0, false
	}
	if st.second, i, ok = fixedDigits(b, i+1, 2); !ok {
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		scale := 100_000_000
		for ; i < len(b) && isDigit(b[i]); i++ {
			st.nano += int(b[i]-'0') * scale
			scale /= 10
		}
	}
	return i, true
}

func (st *stamp) scanOffset(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	if b[i] == 'Z' {
		st.zone = time.UTC
		return i + 1
	}
	if b[i] != '+' && b[i] != '-' {
		return i
	}
	sign := 1
	if b[i] == '-' {
		sign = -1
	}
	h, j, ok := fixedDigits(b, i+1, 2)
	if !ok {
		return i
	}
	m := 0
	if j < len(b) && b[j] == ':' {
		if m, j, ok = fixedDigits(b, j+1, 2); !ok {
			return i
		}
	} else if mm, k, ok := fixedDigits(b, j, 2); ok {
		m, j = mm, k
	}
	st.zone = time.FixedZone("", sign*(h*3600+m*60))
	return j
}

// scanZoneWord skips a zone abbreviation after the time.
func (st *stamp) scanZoneWord(b []byte, i int) int {
	if st.zone != nil || i >= len(b) || b[i] != ' ' {
		return i
	}
	j := i + 1
	for j < len(b) && j-i <= 5 && isLetter(b[j]) {
		j++
	}
	if j-i-1 < 1 || (j < len(b) && b[j] != ' ' && b[j] != ':') {
		return i
	}
	var w [5]byte
	n := copy(w[:], b[i+1:j])
	for k := range n {
		w[k] |= 0x20
	}
	utc, known := zoneWords[string(w[:n])]
	if !known {
		return i
	}
	if utc {
		st.zone = time.UTC
	}
	return j
}

// time returns the stamp as a time, in loc where it names no zone, with the
// year nearest to received where it names none. It fails for a date that
// does not exist (31 September, 29 February of a common year).
func (st *stamp) time(loc *time.Location, received time.Time) (time.Time, bool) {
	if st.zone != nil {
		loc = st.zone
	}
	if st.year != 0 {
		return st.in(st.year, loc)
	}
	return st.inferYear(loc, received)
}

// inferYear picks, among the years before, of and after received, the one
// that puts the stamp nearest to received: a December stamp received in
// January is last year's, a January stamp received on 31 December is next
// year's.
func (st *stamp) inferYear(loc *time.Location, received time.Time) (time.Time, bool) {
	var best time.Time
	found := false
	y := received.In(loc).Year()
	for _, year := range [3]int{y, y - 1, y + 1} {
		t, ok := st.in(year, loc)
		if ok && (!found || absDur(t.Sub(received)) < absDur(best.Sub(received))) {
			best, found = t, true
		}
	}
	return best, found
}

func (st *stamp) in(year int, loc *time.Location) (time.Time, bool) {
	if st.month < 1 || st.month > 12 || st.hour > 23 || st.minute > 59 || st.second > 60 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(st.month), st.day, st.hour, st.minute, st.second, st.nano, loc)
	if t.Day() != st.day || int(t.Month()) != st.month {
		return time.Time{}, false
	}
	return t, true
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func monthOf(b []byte) int {
	w := [3]byte{b[0] | 0x20, b[1] | 0x20, b[2] | 0x20}
	for i, m := range months {
		if string(w[:]) == m {
			return i + 1
		}
	}
	return 0
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// fixedDigits reads exactly n digits at b[i:].
func fixedDigits(b []byte, i, n int) (int, int, bool) {
	if i+n > len(b) {
		return 0, i, false
	}
	v := 0
	for k := i; k < i+n; k++ {
		if !isDigit(b[k]) {
			return 0, i, false
		}
		v = v*10 + int(b[k]-'0')
	}
	return v, i + n, true
}

// upToDigits reads 1 to n digits at b[i:].
func upToDigits(b []byte, i, n int) (int, int, bool) {
	v, j := 0, i
	for j < len(b) && j-i < n && isDigit(b[j]) {
		v = v*10 + int(b[j]-'0')
		j++
	}
	return v, j, j > i
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

func skipSpaces(b []byte, i int) int {
	for i < len(b) && b[i] == ' ' {
		i++
	}
	return i
}

func skipBlanks(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

// tokenEnd returns the index of the first blank at or after i.
func tokenEnd(b []byte, i int) int {
	for i < len(b) && b[i] != ' ' && b[i] != '\t' {
		i++
	}
	return i
}
