package mivb

import (
	"bytes"
	"regexp"
	"slices"
)

// textRule is one row of a pattern table: a regular expression over the
// lower-cased record, tried only where the record holds its keyword.
//
// Go's regexp scans fast only for a pattern that starts with one literal;
// ours start with \b or alternatives. So each rule also knows the literals
// every match starts with (derived from the pattern, see startLiterals)
// and tries an anchored copy only where one of them occurs.
type textRule struct {
	name    string
	keyword []byte // a lower-case literal the text must hold; nil tries always
	re      *regexp.Regexp
	example string // a text the rule must match; the tests check every row
	// window, where set, says a match lies within window bytes of an
	// occurrence of keyword; for patterns that start with no literal.
	window int

	starts  [][]byte       // every match starts with one; nil: scan with re
	wordled bool           // the pattern starts with \b: skip candidates inside a word
	atStart *regexp.Regexp // ^(?:pattern), for a match at offset 0
	atNext  *regexp.Regexp // ^(?s:.)(?:pattern): one byte of context, so \b sees it
}

// maxCandidates is how many candidate positions fit without allocating.
const maxCandidates = 32

// rule compiles one table row; a bad pattern is a programming error and
// fails at start-up.
func rule(name, keyword, pattern, example string) textRule {
	r := textRule{name: name, re: regexp.MustCompile(pattern), example: example}
	if keyword != "" {
		r.keyword = []byte(keyword)
	}
	if lits := startLiterals(pattern); lits != nil {
		r.starts, r.wordled = lits, startsWithBoundary(pattern)
		r.atStart = regexp.MustCompile(`^(?:` + pattern + `)`)
		r.atNext = regexp.MustCompile(`^(?s:.)(?:` + pattern + `)`)
	}
	return r
}

// near sets the window of a rule whose match lies near its keyword.
func near(r textRule, window int) textRule {
	r.window = window
	return r
}

// find returns the leftmost match of r in w as submatch offsets, or nil.
func (r *textRule) find(w []byte) []int {
	if r.keyword != nil && !bytes.Contains(w, r.keyword) {
		return nil
	}
	if r.window > 0 && r.keyword != nil {
		return r.findNear(w)
	}
	if r.starts == nil {
		return r.re.FindSubmatchIndex(w)
	}
	var buf [maxCandidates]int
	for _, p := range r.candidates(w, buf[:0]) {
		if m := r.tryAt(w, p); m != nil {
			return m
		}
	}
	return nil
}

// tryAt returns the match anchored at candidate p, or nil.
func (r *textRule) tryAt(w []byte, p int) []int {
	if r.wordled && p > 0 && isWordByte(w[p-1]) && isWordByte(w[p]) {
		return nil // \b cannot hold inside a word
	}
	return r.matchAt(w, p)
}

// findNear scans only the window around each occurrence of the keyword.
// The window's edges are moved to word boundaries, so \b reads the same
// inside it as in w.
func (r *textRule) findNear(w []byte) []int {
	for from := 0; from < len(w); {
		i := bytes.Index(w[from:], r.keyword)
		if i < 0 {
			return nil
		}
		i += from
		lo, hi := max(from, i-r.window), min(len(w), i+len(r.keyword)+r.window)
		for lo > from && isWordByte(w[lo-1]) {
			lo--
		}
		for hi < len(w) && isWordByte(w[hi]) {
			hi++
		}
		if m := r.re.FindSubmatchIndex(w[lo:hi]); m != nil {
			for k := range m {
				if m[k] >= 0 {
					m[k] += lo
				}
			}
			return m
		}
		from = i + 1
	}
	return nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// candidates lists, in order, where a start literal occurs in w.
func (r *textRule) candidates(w []byte, out []int) []int {
	for _, lit := range r.starts {
		for from := 0; from <= len(w); {
			i := bytes.Index(w[from:], lit)
			if i < 0 {
				break
			}
			out = append(out, from+i)
			from += i + 1
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// matchAt tries the pattern anchored at p, with the byte before p as
// context for a leading \b.
func (r *textRule) matchAt(w []byte, p int) []int {
	if p == 0 {
		return r.atStart.FindSubmatchIndex(w)
	}
	m := r.atNext.FindSubmatchIndex(w[p-1:])
	if m == nil {
		return nil
	}
	for i := range m {
		if m[i] >= 0 {
			m[i] += p - 1
		}
	}
	m[0] = p
	return m
}

// group returns the offsets of the named group in a match of r, or -1s.
func (r *textRule) group(m []int, name string) (int, int) {
	i := r.re.SubexpIndex(name)
	if i < 0 || 2*i+1 >= len(m) {
		return -1, -1
	}
	return m[2*i], m[2*i+1]
}

// findAll returns the submatch offsets of every non-overlapping match.
func (r *textRule) findAll(w []byte) [][]int {
	if r.keyword != nil && !bytes.Contains(w, r.keyword) {
		return nil
	}
	if r.starts == nil || r.window > 0 {
		var out [][]int
		for from := 0; from <= len(w); {
			m := r.find(w[from:])
			if m == nil {
				break
			}
			for i := range m {
				if m[i] >= 0 {
					m[i] += from
				}
			}
			out = append(out, m)
			from = max(m[1], from+1)
		}
		return out
	}
	var out [][]int
	var buf [maxCandidates]int
	from := 0
	for _, p := range r.candidates(w, buf[:0]) {
		if p < from {
			continue
		}
		if m := r.tryAt(w, p); m != nil {
			out = append(out, m)
			from = max(m[1], p+1)
		}
	}
	return out
}

// firstRule returns the first row of table that matches w and its match.
func firstRule(table []textRule, w []byte) (*textRule, []int) {
	for i := range table {
		if m := table[i].find(w); m != nil {
			return &table[i], m
		}
	}
	return nil, nil
}

// blankAll blanks every match of every row of table in w, so later rules
// no longer see what these rows mean (future levels, negations, lists of
// alarm categories).
func blankAll(table []textRule, w []byte) {
	for i := range table {
		for _, m := range table[i].findAll(w) {
			blank(w, m[0], m[1])
		}
	}
}

// blank overwrites w[start:end] with spaces.
func blank(w []byte, start, end int) {
	for i := start; i < end && i < len(w); i++ {
		w[i] = ' '
	}
}
