package mivb

import (
	"strings"
	"time"
)

// maxHeaderTokens bounds the positional header scan.
const maxHeaderTokens = 16

// recordHeader holds the maintenance-log fields found in a record, in any
// order and with any separators.
type recordHeader struct {
	logType, number, severity string // normalised: Maintenance, Info, ...
	source, module            string // as written
	desc                      string // the value of a description key
	hasDesc                   bool
	descStart                 int    // offset where the free text begins
	date, clock, zone         string // lower-case tokens
	cuts                      []span // header fields inside the free text
	piped                     bool   // fields were separated by '|'
	keep                      span   // part of the token being read that stays unblanked
}

type span struct{ start, end int }

// isRecord reports whether enough fields were found to call the text a
// maintenance-log record even when it says nothing we recognise.
func (h *recordHeader) isRecord() bool {
	switch {
	case h.logType != "" && (h.severity != "" || h.number != ""):
		return true
	case h.number != "" && h.severity != "" && h.date != "":
		return true
	}
	return h.source != "" && h.module != ""
}

// recordedAt returns the record's own date and time, where it has one.
func (h *recordHeader) recordedAt(loc *time.Location) *time.Time {
	if h.date == "" {
		return nil
	}
	var buf [64]byte // parseDate keeps no reference: no allocation
	s := append(buf[:0], h.date...)
	if h.clock != "" {
		s = append(append(s, ' '), h.clock...)
	}
	if h.zone != "" {
		s = append(append(s, ' '), h.zone...)
	}
	at, _, ok := parseDate(s, loc)
	if !ok {
		return nil
	}
	return &at
}

// readHeader reads the record's fields: first positionally from the start
// (type, number, severity, date, time, key=value pairs, in any order),
// then header keys anywhere in the rest. Every field read is blanked in
// t.w so that, say, the record severity "Warning" is not taken for a
// licence level.
func readHeader(t *recordText) recordHeader {
	h := recordHeader{descStart: t.start}
	w := t.w
	i := t.start
	for n := 0; n < maxHeaderTokens; n++ {
		for i < len(w) && isSeparator(w[i]) {
			h.piped = h.piped || w[i] == '|'
			i++
		}
		if i >= len(w) {
			h.descStart = i
			break
		}
		j := tokenEnd(w, i)
		used, last := h.take(t, i, j)
		if !used {
			h.descStart = i
			break
		}
		h.descStart = j
		i = j
		if last {
			break
		}
	}
	h.readKeys(t)
	if !h.hasDesc && h.logType == "" && h.source == "" && !h.isRecord() {
		// Not a record: keep the whole text as the description.
		h.descStart = t.start
	}
	return h
}

// take tries to read w[i:j] as a header field; last says the token closed
// the header (it ended with ':').
func (h *recordHeader) take(t *recordText, i, j int) (used, last bool) {
	core := trimSet(t.token(i, j), &brackets)
	if strings.HasSuffix(core, ":") {
		core, last = strings.TrimRight(core, ":"), true
	}
	defer func() {
		if used {
			blank(t.w, i, j)
			// A description is read for meaning: only its key is blanked.
			t.restore(h.keep.start, h.keep.end)
		}
		h.keep = span{}
	}()
	switch {
	case core == "" || core == "-":
		return true, true
	case h.logType == "" && logTypeOf(core) != "":
		h.logType = logTypeOf(core)
	case h.severity == "" && recordSeverityWords[core] != "":
		h.severity = recordSeverityWords[core]
	case h.number == "" && isLogNumber(core) && h.numberFits(t, j):
		h.number = strings.TrimPrefix(strings.TrimPrefix(core, "#"), "no.")
	case h.date == "" && isDateToken(core):
		h.date = core
	case h.clock == "" && isClock(core):
		h.clock = core
	case h.clock != "" && h.zone == "" && isZone(core):
		h.zone = core
	case h.piped && h.date != "" && h.module == "" && isIdent(core) && followedByPipe(t.w, j):
		if h.source == "" {
			h.source = trimSet(t.raw[i:j], &bracketsColon)
		} else {
			h.module = trimSet(t.raw[i:j], &bracketsColon)
		}
	default:
		return h.takePair(t, i, j, core), last
	}
	return true, last
}

// takePair reads a key=value (or key: value) token with a header key.
func (h *recordHeader) takePair(t *recordText, i, j int, core string) bool {
	k := strings.IndexAny(core, "=:")
	if k <= 0 {
		return false
	}
	f, ok := headerKeyOf(core[:k])
	if !ok {
		return false
	}
	k = i + strings.IndexAny(t.raw[i:j], "=:") + 1
	e := j
	for e > k && strings.IndexByte(":}])", t.raw[e-1]) >= 0 {
		e--
	}
	if !h.set(f, unquote(t.raw[k:e])) {
		return false
	}
	if f == fieldDesc {
		h.keep = span{k, e}
	}
	return true
}

// set stores a header field from a key; it refuses a value that does not
// fit the field (a "type" that is no log type, a "sev" that is no record
// severity).
func (h *recordHeader) set(f headerField, v string) bool {
	var lv string // lower-cased v, where the field needs it
	switch f {
	case fieldType, fieldNumber, fieldSeverity:
		lv = strings.ToLower(v)
	}
	switch f {
	case fieldType:
		if h.logType != "" || logTypeOf(lv) == "" {
			return false
		}
		h.logType = logTypeOf(lv)
	case fieldNumber:
		if h.number != "" || !isLogNumber(lv) {
			return false
		}
		h.number = strings.TrimPrefix(v, "#")
	case fieldSeverity:
		if h.severity != "" || recordSeverityWords[lv] == "" {
			return false
		}
		h.severity = recordSeverityWords[lv]
	case fieldSource:
		if h.source != "" || v == "" {
			return false
		}
		h.source = v
	case fieldModule:
		if h.module != "" || v == "" {
			return false
		}
		h.module = v
	case fieldDesc:
		h.desc, h.hasDesc = v, true
	default:
		return false
	}
	return true
}

// numberFits says whether a bare number at the head is a log number: it
// stands with a log type or severity, or just before one.
func (h *recordHeader) numberFits(t *recordText, j int) bool {
	if h.logType != "" || h.severity != "" {
		return true
	}
	i := j
	for i < len(t.w) && isSeparator(t.w[i]) {
		i++
	}
	next := trimSet(t.token(i, tokenEnd(t.w, i)), &bracketsColon)
	return recordSeverityWords[next] != "" || logTypeOf(next) != ""
}

// description returns the record's free text: the description key's
// value, else the text after the header with header fields cut out.
func (h *recordHeader) description(t *recordText) string {
	if h.hasDesc {
		return trimDesc(h.desc)
	}
	if h.descStart >= len(t.raw) {
		return ""
	}
	if len(h.cuts) == 0 {
		return trimDesc(t.raw[h.descStart:])
	}
	var b strings.Builder
	at := h.descStart
	for _, c := range h.cuts {
		if c.start < at {
			continue
		}
		b.WriteString(t.raw[at:c.start])
		at = c.end
	}
	b.WriteString(t.raw[at:])
	return trimDesc(collapseSeparators(b.String()))
}
