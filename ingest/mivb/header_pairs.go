package mivb

import "bytes"

// readKeys reads header keys that stand anywhere after the positional
// header (key=value lists in any order, "key": "value" in JSON).
func (h *recordHeader) readKeys(t *recordText) {
	pairs := headerPairs(t.w, h.descStart)
	for n, p := range pairs {
		if p.field == fieldDesc {
			if !h.hasDesc {
				end := p.val.end
				if t.w[p.val.start] != '"' {
					// An unquoted description runs to the next header key.
					end = len(t.w)
					if n+1 < len(pairs) {
						end = pairs[n+1].key.start
					}
				}
				h.desc, h.hasDesc = unquote(t.raw[p.val.start:end]), true
				blank(t.w, p.key.start, p.val.start)
			}
			continue
		}
		if h.set(p.field, unquote(t.raw[p.val.start:p.val.end])) {
			blank(t.w, p.key.start, p.val.end)
			h.cuts = append(h.cuts, span{p.key.start, p.val.end})
		}
	}
}

// headerPair is a key and its value, as offsets.
type headerPair struct {
	field    headerField
	key, val span
}

// headerPairs finds key=value, key: value and "key":"value" pairs whose
// key is in headerKeys, from offset from on. It looks only around '=' and
// ':', which keeps lines without pairs cheap.
func headerPairs(w []byte, from int) []headerPair {
	var out []headerPair
	for k := from; k < len(w); k++ {
		if k = nextPairSign(w, k); k < 0 {
			break
		}
		e := k
		for e > from && w[e-1] == ' ' {
			e--
		}
		quoted := e > from && w[e-1] == '"'
		if quoted {
			e--
		}
		s := e
		for s > from && (w[s-1] >= 'a' && w[s-1] <= 'z' || w[s-1] == '_' || w[s-1] == '-') {
			s--
		}
		if s == e || s > 0 && isWordByte(w[s-1]) {
			continue
		}
		f, ok := headerKeyOf(string(w[s:e]))
		if !ok {
			continue
		}
		if quoted && s > 0 && w[s-1] == '"' {
			s--
		}
		vs := k + 1
		for vs < len(w) && w[vs] == ' ' {
			vs++
		}
		ve := valueEnd(w, vs)
		if ve == vs {
			continue
		}
		out = append(out, headerPair{field: f, key: span{s, k + 1}, val: span{vs, ve}})
		k = ve - 1
	}
	return out
}

// nextPairSign returns the offset of the next '=' or ':' from i, or -1.
func nextPairSign(w []byte, i int) int {
	e, c := bytes.IndexByte(w[i:], '='), bytes.IndexByte(w[i:], ':')
	switch {
	case e < 0 && c < 0:
		return -1
	case e < 0 || c >= 0 && c < e:
		return i + c
	}
	return i + e
}

// valueEnd returns the end of the value at i: a quoted string (with
// backslash escapes) or a run up to a separator.
func valueEnd(w []byte, i int) int {
	if i < len(w) && w[i] == '"' {
		for j := i + 1; j < len(w); j++ {
			switch w[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return len(w)
	}
	j := i
	for j < len(w) && !isSeparator(w[j]) && w[j] != '}' && w[j] != ']' {
		j++
	}
	return j
}
