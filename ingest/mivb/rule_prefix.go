package mivb

import (
	"bytes"
	"regexp/syntax"
	"slices"
	"strings"
)

// The literal-prefix analysis behind textRule: which literals every match
// of a pattern starts with, read from its syntax tree.

// startsWithBoundary reports whether every match of pattern starts with
// \b, so a candidate inside a word cannot match.
func startsWithBoundary(pattern string) bool {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return false
	}
	re = re.Simplify()
	for re.Op == syntax.OpCapture || re.Op == syntax.OpConcat && len(re.Sub) > 0 {
		re = re.Sub[0]
	}
	return re.Op == syntax.OpWordBoundary
}

// maxStartLiterals bounds the literal set of one pattern.
const maxStartLiterals = 48

// startLiterals returns literals of which every match of pattern starts
// with one, or nil when the pattern may start anywhere (or with the empty
// string).
func startLiterals(pattern string) [][]byte {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	set, _, ok := prefixes(re.Simplify())
	if !ok || len(set) == 0 {
		return nil
	}
	for i, s := range set {
		if s == "" {
			return nil
		}
		// A shorter prefix is as valid: drop the separators classes added.
		if t := strings.TrimRight(s, " \t\n\f\r\v_-"); t != "" {
			set[i] = t
		}
	}
	// A literal that has another as its prefix adds no candidates.
	slices.Sort(set)
	var out [][]byte
	for _, s := range set {
		if n := len(out); n > 0 && bytes.HasPrefix([]byte(s), out[n-1]) {
			continue
		}
		out = append(out, []byte(s))
	}
	return out
}

// prefixes returns strings of which every match of re starts with one
// ("" among them makes the set useless but not wrong); exact says re
// matches exactly those strings, so what follows may extend them. ok is
// false when no finite set is known.
func prefixes(re *syntax.Regexp) (set []string, exact, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false, false
		}
		return []string{string(re.Rune)}, true, true
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for c := re.Rune[i]; c <= re.Rune[i+1]; c++ {
				if len(out) == 8 {
					return nil, false, false
				}
				out = append(out, string(c))
			}
		}
		// Extending literals by every member of a class multiplies them
		// for little gain: stop at a class.
		return out, len(out) == 1, true
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []string{""}, true, true
	case syntax.OpCapture:
		return prefixes(re.Sub[0])
	case syntax.OpQuest:
		s, ex, ok := prefixes(re.Sub[0])
		return append(s, ""), ex, ok
	case syntax.OpStar:
		s, _, ok := prefixes(re.Sub[0])
		return append(s, ""), false, ok
	case syntax.OpPlus:
		s, _, ok := prefixes(re.Sub[0])
		return s, false, ok
	case syntax.OpRepeat:
		s, _, ok := prefixes(re.Sub[0])
		if re.Min == 0 {
			s = append(s, "")
		}
		return s, false, ok
	case syntax.OpAlternate:
		exact = true
		for _, sub := range re.Sub {
			s, ex, ok := prefixes(sub)
			if !ok {
				return nil, false, false
			}
			set, exact = append(set, s...), exact && ex
		}
		return set, exact, len(set) <= maxStartLiterals
	case syntax.OpConcat:
		return concatPrefixes(re.Sub)
	}
	return nil, false, false
}

// concatPrefixes extends the prefixes of the first element by those of
// the rest while the first is exact; an inexact first element keeps its
// non-empty prefixes as they are, and its empty one continues with the
// rest.
func concatPrefixes(subs []*syntax.Regexp) (set []string, exact, ok bool) {
	if len(subs) == 0 {
		return []string{""}, true, true
	}
	s, ex, ok := prefixes(subs[0])
	if !ok {
		return nil, false, false
	}
	rest, rex, rok := concatPrefixes(subs[1:])
	if ex {
		if !rok {
			return s, false, true
		}
		if c := cross(s, rest); len(c) <= maxStartLiterals {
			return c, rex, true
		}
		return s, false, true
	}
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
			continue
		}
		if !rok {
			return nil, false, false
		}
		out = append(out, rest...)
	}
	return out, false, len(out) <= maxStartLiterals
}

func cross(a, b []string) []string {
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
