package mivb

import (
	"strconv"
	"strings"
	"time"
)

// Helpers that classify the tokens of a record header and tidy its text.

func trimDesc(s string) string { return strings.Trim(s, " \t\r\n|;,:-") }

// byteSet marks bytes to trim. strings.Trim builds its set on every call;
// header tokens are trimmed with these, built once.
type byteSet [256]bool

func newByteSet(chars string) (s byteSet) {
	for i := 0; i < len(chars); i++ {
		s[chars[i]] = true
	}
	return s
}

var (
	brackets      = newByteSet("[](){}<>\"'")
	bracketsColon = newByteSet("[](){}<>:\"'")
)

// trimSet is strings.Trim for a set of ASCII bytes.
func trimSet(s string, set *byteSet) string {
	i, j := 0, len(s)
	for i < j && set[s[i]] {
		i++
	}
	for j > i && set[s[j-1]] {
		j--
	}
	return s[i:j]
}

// collapseSeparators tidies what cutting fields out leaves: "a |  | b".
func collapseSeparators(s string) string {
	var b strings.Builder
	var pending byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '|' || c == ';' || c == ',' {
			if pending == 0 || pending == ' ' {
				pending = c
			}
			continue
		}
		if isSpace(c) {
			if pending == 0 {
				pending = ' '
			}
			continue
		}
		if pending != 0 && b.Len() > 0 {
			if pending != ' ' {
				b.WriteByte(' ')
			}
			b.WriteByte(pending)
			if pending != ' ' {
				b.WriteByte(' ')
			}
		}
		pending = 0
		b.WriteByte(c)
	}
	return b.String()
}

func isSeparator(c byte) bool { return isSpace(c) || c == '|' || c == ';' || c == ',' }

// tokenEnd returns the end of the token at i; a quoted value after '=' or
// ':' runs to its closing quote.
func tokenEnd(w []byte, i int) int {
	j := i
	for j < len(w) && !isSeparator(w[j]) {
		if (w[j] == '=' || w[j] == ':') && j+1 < len(w) && w[j+1] == '"' {
			if k := indexByteFrom(w, j+2, '"'); k >= 0 {
				j = k + 1
				continue
			}
		}
		j++
	}
	return j
}

func indexByteFrom(w []byte, from int, c byte) int {
	for k := from; k < len(w); k++ {
		if w[k] == c {
			return k
		}
	}
	return -1
}

func followedByPipe(w []byte, j int) bool {
	for j < len(w) && isSpace(w[j]) {
		j++
	}
	return j < len(w) && w[j] == '|'
}

func logTypeOf(tok string) string {
	tok = strings.TrimSuffix(tok, "log")
	tok = strings.TrimRight(tok, "-_")
	return logTypeWords[tok]
}

// isLogNumber accepts 1..12 digits, optionally after '#' or "no.".
func isLogNumber(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "#"), "no.")
	if s == "" || len(s) > 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isDateToken(s string) bool {
	if len(s) < 8 || len(s) > 40 {
		return false
	}
	_, n, ok := parseDate([]byte(s), time.UTC)
	return ok && n == len(s)
}

// isClock accepts hh:mm, hh:mm:ss and hh:mm:ss.fff (or ,fff): one or two
// characters per part that strconv.Atoi reads, and any number it reads
// after the mark. It allocates nothing on the way to yes.
func isClock(s string) bool {
	if len(s) < 4 || len(s) > 18 {
		return false
	}
	for i, part := 0, 0; ; part++ {
		j := i
		for j < len(s) && s[j] != ':' && (part < 2 || s[j] != '.' && s[j] != ',') {
			j++
		}
		if j-i < 1 || j-i > 2 || !smallInt(s[i:j]) {
			return false
		}
		switch {
		case j == len(s):
			return part >= 1
		case s[j] != ':': // the fraction after the seconds
			_, err := strconv.Atoi(s[j+1:])
			return err == nil
		case part == 2: // a fourth part
			return false
		}
		i = j + 1
	}
}

// smallInt reports whether strconv.Atoi reads p, for p of at most two
// bytes: digits, or a sign and a digit.
func smallInt(p string) bool {
	if p != "" && (p[0] == '+' || p[0] == '-') {
		p = p[1:]
	}
	return allDigits(p)
}

func isZone(s string) bool {
	if s == "z" || s == "utc" || s == "gmt" {
		return true
	}
	_, ok := zoneOffset(s)
	return ok && (s[0] == '+' || s[0] == '-')
}

// isIdent accepts a component name: a letter, then letters, digits, '_',
// '-' or '.', and no word that carries meaning.
func isIdent(s string) bool {
	if s == "" || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	for _, kw := range meaningWords {
		if strings.Contains(s, kw) {
			return false
		}
	}
	return true
}

// unquote strips quotes from a value, reading JSON-style escapes.
func unquote(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		if s, err := strconv.Unquote(v); err == nil {
			return s
		}
		return v[1 : len(v)-1]
	}
	return strings.Trim(v, "\"'")
}
