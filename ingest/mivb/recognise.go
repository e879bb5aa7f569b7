package mivb

import (
	"strings"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
)

// Input is the text of one record and what the transport knew about it.
type Input struct {
	// Text is the syslog MSG, or one log-stream line.
	Text string
	// SyslogSeverity is the syslog severity, 0..7, where known.
	SyslogSeverity *int
	// Location is the zone of dates in the record that carry none; nil
	// means UTC.
	Location *time.Location
}

// Result is what a record (or a notification, see RecogniseTrap) means.
type Result struct {
	// Recognised says a MiVB record was recognised.
	Recognised bool `json:"recognised"`
	// Kind is licence, alarm, system or log.
	Kind     events.Kind     `json:"kind"`
	Severity events.Severity `json:"severity"`
	// Cause is set for licence events only.
	Cause events.Cause `json:"cause,omitempty"`
	// Day is the escalation day where the record gives one, else 0.
	Day             int        `json:"day,omitempty"`
	FirstDetectedAt *time.Time `json:"first_detected_at,omitempty"`
	// RecordedAt is the record's own date and time, where it has one.
	RecordedAt *time.Time `json:"recorded_at,omitempty"`
	// Release is the software release the record names, e.g. "9.0 SP2".
	Release string `json:"release,omitempty"`
	// Record holds the record's fields; Pattern names the rules that
	// matched. It is nil when nothing was recognised.
	Record *events.Record `json:"record,omitempty"`
	// Message is human-readable text: the record's description, else the
	// text as received.
	Message string `json:"message"`
}

// finding is what the rules made of a record's meaning.
type finding struct {
	kind     events.Kind
	severity events.Severity
	cause    events.Cause
	day      int
	first    *time.Time
	level    string // the level word as written
	pattern  string
}

// Recognise says what a MiVB maintenance-log record means. It keys on
// meaning (a licence violation and its level, an alarm level change, a
// restart), so the record may be worded, ordered, punctuated and framed
// in many ways. Anything else is not recognised: kind log, severity from
// the syslog severity. It never panics, whatever the input.
func Recognise(in Input) Result {
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	t := newRecordText(in.Text)
	if t.foreign() {
		return notRecognised(in)
	}
	t.skipPrefixes()
	h := readHeader(t)
	f, ok := classify(t, &h, in.SyslogSeverity, loc)
	if !ok {
		return notRecognised(in)
	}
	desc := h.description(t)
	r := Result{
		Recognised: true,
		Kind:       f.kind,
		Severity:   f.severity,
		Cause:      f.cause,
		Day:        f.day,
		RecordedAt: h.recordedAt(loc),
		Release:    release(t),
		Record: &events.Record{
			LogType:     h.logType,
			LogNumber:   h.number,
			LogSeverity: h.severity,
			Source:      h.source,
			Module:      h.module,
			Description: desc,
			Level:       f.level,
			Pattern:     f.pattern,
		},
		Message: desc,
	}
	if f.first != nil {
		r.FirstDetectedAt = f.first
	}
	if r.Message == "" {
		r.Message = strings.TrimSpace(in.Text)
	}
	return r
}

// SeverityFromSyslog maps a syslog severity to an event severity, for
// records that are not recognised: 0-2 critical, 3 major, 4 warning, 5-7
// and unknown info.
func SeverityFromSyslog(sev *int) events.Severity {
	if sev == nil {
		return events.SeverityInfo
	}
	switch s := *sev; {
	case s >= 0 && s <= 2:
		return events.SeverityCritical
	case s == 3:
		return events.SeverityMajor
	case s == 4:
		return events.SeverityWarning
	}
	return events.SeverityInfo
}

func notRecognised(in Input) Result {
	return Result{
		Kind:     events.KindLog,
		Severity: SeverityFromSyslog(in.SyslogSeverity),
		Message:  strings.TrimSpace(in.Text),
	}
}

// classify decides the kind of record: licence before alarm before
// system; a record with a header but none of these meanings is a plain
// log record.
func classify(t *recordText, h *recordHeader, sys *int, loc *time.Location) (finding, bool) {
	// Without one of these words nothing can mean a licence, alarm or
	// system record: skip the rules.
	if t.has("viol") || t.has("alarm") || t.has("alm") || hasAny(t.w, systemHints) {
		context := h.isRecord() || t.isMiVB()
		blankAll(alarmCategoryLists, t.w)
		if f, ok := licenceFinding(t, h, context, sys, loc); ok {
			return f, true
		}
		if f, ok := alarmFinding(t, context); ok {
			return f, true
		}
		if f, ok := systemFinding(t, h, context, sys); ok {
			return f, true
		}
	}
	if h.isRecord() {
		return finding{kind: events.KindLog, severity: ownSeverity(h, sys, events.SeverityInfo), pattern: "record"}, true
	}
	return finding{}, false
}

// ownSeverity is the severity of a record that states no level: its own
// severity word, else the syslog severity, else def.
func ownSeverity(h *recordHeader, sys *int, def events.Severity) events.Severity {
	if s, ok := recordSeverities[h.severity]; ok {
		return s
	}
	if sys != nil {
		return SeverityFromSyslog(sys)
	}
	return def
}

func alarmFinding(t *recordText, context bool) (finding, bool) {
	if !t.has("alarm") && !t.has("alm") {
		return finding{}, false
	}
	for i := range alarmRules {
		r := &alarmRules[i]
		if r.needsContext && !context {
			continue
		}
		m := r.find(t.w)
		if m == nil {
			continue
		}
		s, e := r.group(m, "level")
		if s < 0 {
			continue
		}
		sev, ok := wordSeverity(t.raw[s:e])
		if !ok {
			continue
		}
		return finding{kind: events.KindAlarm, severity: sev, level: t.raw[s:e], pattern: r.name}, true
	}
	return finding{}, false
}

func systemFinding(t *recordText, h *recordHeader, context bool, sys *int) (finding, bool) {
	if !hasAny(t.w, systemHints) {
		return finding{}, false
	}
	context = context || systemSubject.find(t.w) != nil
	if !context {
		return finding{}, false
	}
	r, _ := firstKindRule(systemRules, t.w)
	if r == nil {
		return finding{}, false
	}
	return finding{kind: events.KindSystem, severity: ownSeverity(h, sys, r.severity), pattern: r.name}, true
}

func firstKindRule(table []kindRule, w []byte) (*kindRule, []int) {
	for i := range table {
		if m := table[i].find(w); m != nil {
			return &table[i], m
		}
	}
	return nil, nil
}

// release returns the release the record names, as "9.0 SP2".
func release(t *recordText) string {
	blankAll(releaseAsides, t.w)
	for i := range releaseRules {
		r := &releaseRules[i]
		m := r.find(t.w)
		if m == nil {
			continue
		}
		if s, e := r.group(m, "rel"); s >= 0 {
			return normaliseRelease(t.raw[s:e])
		}
	}
	return ""
}

// normaliseRelease writes "9.0sp2", "9.0 Sp 2" and the like as "9.0 SP2".
func normaliseRelease(s string) string {
	s = strings.ToUpper(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isSpace(c) {
			continue
		}
		if (c == 'S' || c == 'P') && i+1 < len(s) && s[i+1] == 'P' || c == 'P' && i+1 < len(s) && s[i+1] == 'R' {
			b.WriteByte(' ')
			b.WriteByte(c)
			b.WriteByte(s[i+1])
			i++
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
