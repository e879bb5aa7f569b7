package mivb

import (
	"strconv"
	"strings"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
)

// licenceFinding reads a licence-violation record. The phrase alone is not
// enough: other products speak of licence violations too, so the record
// must also be MiVB's (context) or carry what MiVB's records carry: a
// level, a day, a first-detection time or a stated cause.
func licenceFinding(t *recordText, h *recordHeader, context bool, sys *int, loc *time.Location) (finding, bool) {
	if !t.has("lic") || !t.has("viol") {
		return finding{}, false
	}
	blankAll(licenceNegations, t.w)
	phrase, pm := firstRule(licencePhrases, t.w)
	if phrase == nil {
		return finding{}, false
	}
	blankAll(licenceAsides, t.w)
	f := finding{kind: events.KindLicence, pattern: phrase.name}
	lr, word, sev := licenceLevel(t)
	if lr != nil {
		f.pattern += "/" + lr.name
		f.level, f.severity = word, sev
	}
	var dayRule string
	f.day, dayRule = escalationDay(t.w)
	f.first = firstDetected(t.w, loc)
	var stated bool
	f.cause, stated = statedCause(t, pm[0])
	// "N days" alone is common wording; "day N" is how MiVB counts.
	signal := context || stated || f.day > 0 && dayRule != "n-days" || f.first != nil ||
		lr != nil && lr.name != "any-level" || f.cause != events.CauseUnknown
	if !signal {
		return finding{}, false
	}
	if f.severity == "" {
		f.severity = unstatedLevel(h, sys)
	}
	return f, true
}

// licenceLevel returns the row that found the current level, the level
// word as written (empty for a clear stated without one) and its severity.
func licenceLevel(t *recordText) (*levelRule, string, events.Severity) {
	for i := range licenceLevels {
		r := &licenceLevels[i]
		m := r.find(t.w)
		if m == nil {
			continue
		}
		s, e := r.group(m, "level")
		word := ""
		if s >= 0 {
			word = t.raw[s:e]
		}
		if r.fixed != "" {
			if ws, ok := wordSeverity(word); !ok || ws != r.fixed {
				word = ""
			}
			return r, word, r.fixed
		}
		if sev, ok := wordSeverity(word); ok {
			return r, word, sev
		}
	}
	return nil, "", ""
}

// unstatedLevel is the level of a violation record that names none: a
// violation is at least a Warning; an Error record or an urgent syslog
// severity says more.
func unstatedLevel(h *recordHeader, sys *int) events.Severity {
	switch h.severity {
	case "Error":
		return events.SeverityMajor
	case "Warning", "Info":
		return events.SeverityWarning
	}
	if s := SeverityFromSyslog(sys); s.Rank() > events.SeverityWarning.Rank() {
		return s
	}
	return events.SeverityWarning
}

// statedCause reads the cause: from the clause that states it where
// there is one (stated is then true), else from anywhere in the record.
// Only a clause after the violation phrase (at from) states its cause:
// in "disabled due to licence violation" the violation is the cause.
func statedCause(t *recordText, from int) (cause events.Cause, stated bool) {
	after := t.w[from:]
	for i := range causeClauses {
		r := &causeClauses[i]
		m := r.find(after)
		if m == nil {
			continue
		}
		s, e := r.group(m, "text")
		if s < 0 {
			continue
		}
		text := after[s:e]
		if c, ok := causeIn(text); ok {
			return c, true
		}
		if unstatedCauses[strings.Trim(string(text), " \t\"'.,:()")] {
			return events.CauseUnknown, false
		}
		return events.CauseOther, true
	}
	if c, ok := causeIn(t.w); ok {
		return c, false
	}
	return events.CauseUnknown, false
}

func causeIn(w []byte) (events.Cause, bool) {
	for i := range causeRules {
		if causeRules[i].find(w) != nil {
			return causeRules[i].cause, true
		}
	}
	return "", false
}

// escalationDay returns the day of the violation the record states, or
// 0, and the rule that read it.
func escalationDay(w []byte) (int, string) {
	r, m := firstRule(dayRules, w)
	if r == nil {
		return 0, ""
	}
	s, e := r.group(m, "n")
	n, err := strconv.Atoi(string(w[s:e]))
	if err != nil || n < 0 {
		return 0, ""
	}
	return n, r.name
}

// firstDetected returns the first-detection time the record states.
func firstDetected(w []byte, loc *time.Location) *time.Time {
	for i := range firstDetectedRules {
		r := &firstDetectedRules[i]
		for _, m := range r.findAll(w) {
			if at, _, ok := parseDate(w[m[1]:], loc); ok {
				return &at
			}
		}
	}
	return nil
}
