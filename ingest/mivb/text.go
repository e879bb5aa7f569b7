package mivb

import (
	"bytes"
	"strings"
)

// maxAnalysed bounds how much of a record the rules read, so an oversize
// message costs no more than a large one; the message itself is kept
// whole. Records are a few hundred bytes.
const maxAnalysed = 2 << 10

// recordText is one record prepared for the rules.
type recordText struct {
	raw string // the trimmed record, cut to maxAnalysed bytes
	// w is raw with ASCII letters lower-cased. Byte offsets agree with raw,
	// so a match in w is read back from raw as written. Parts already
	// accounted for (header fields, future levels) are blanked in w.
	w []byte
	// lower is a copy of w taken by the first token call, before the
	// header scan blanks anything: header tokens are cut from it without
	// a copy each.
	lower  string
	start  int  // offset after any prefix (BOM, PRI, tag)
	tagged bool // a MiVB tag was seen before the record, or isMiVB found a mention
}

func newRecordText(s string) *recordText {
	s = strings.TrimSpace(s)
	if len(s) > maxAnalysed {
		s = s[:maxAnalysed]
	}
	t := &recordText{raw: s, w: make([]byte, len(s))}
	t.restore(0, len(s))
	return t
}

// restore undoes blanking: w[start:end] is lower-cased raw again.
func (t *recordText) restore(start, end int) {
	end = min(end, len(t.raw))
	for i := start; i < end; i++ {
		t.w[i] = lowerASCII[t.raw[i]]
	}
}

// lowerASCII maps each byte to itself with A-Z lower-cased.
var lowerASCII = func() (m [256]byte) {
	for i := range m {
		m[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			m[i] += 'a' - 'A'
		}
	}
	return m
}()

// token returns w[i:j] as a string: a slice of lower where w still reads
// the same there (always, for the header scan), else a copy.
func (t *recordText) token(i, j int) string {
	if t.lower == "" && t.raw != "" {
		// Only bytes before start can be blanked yet, and tokens start
		// after it; the comparison below checks that anyway.
		t.lower = string(t.w)
	}
	if s := t.lower[i:j]; string(t.w[i:j]) == s {
		return s
	}
	return string(t.w[i:j])
}

// has reports whether the (lower-cased) record holds kw.
func (t *recordText) has(kw string) bool {
	return bytes.Contains(t.w, []byte(kw))
}

// foreign reports whether the record carries another vendor's framing.
func (t *recordText) foreign() bool {
	r, _ := firstRule(foreignRules, t.w)
	return r != nil
}

// skipPrefixes steps over what a relay may leave before the record (a BOM,
// a PRI, a program tag), noting a MiVB tag as evidence.
func (t *recordText) skipPrefixes() {
	for again := true; again; {
		again = false
		for i := range prefixRules {
			p := &prefixRules[i]
			if t.start >= len(t.w) || strings.IndexByte(p.first, t.w[t.start]) < 0 {
				continue
			}
			m := p.re.FindIndex(t.w[t.start:])
			if m == nil || m[1] == 0 {
				continue
			}
			blank(t.w, t.start, t.start+m[1])
			t.start += m[1]
			t.tagged = t.tagged || p.tags
			again = true
		}
	}
	for t.start < len(t.w) && isSpace(t.w[t.start]) {
		t.start++
	}
}

// isMiVB reports whether the record is known to be MiVB's without a
// header: a MiVB tag before it, or a mention of the product in it.
func (t *recordText) isMiVB() bool {
	if r, _ := firstRule(mivbMentions, t.w); r != nil {
		t.tagged = true
	}
	return t.tagged
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
