package mivb

import (
	"strings"

	"github.com/pbxalarm/pbxalarm/events"
)

// This file holds the tables for the other MiVB records (alarm level
// changes, restarts and shutdowns), for the release a record names, and
// the words that give a severity.

// kindRule is a row that recognises a kind of record. A row that needs
// context applies only to a record known to be MiVB's (a header, a tag, a
// mention of the product), because its words are common elsewhere.
type kindRule struct {
	textRule
	needsContext bool
	severity     events.Severity // where no level or record severity says otherwise
}

const lvAlarm = `(?P<level>clear(?:ed)?|minor|major|critical|warning|normal|none)\b`

// alarmChange is the pattern of "alarm <noun> changed (from X) to Y".
func alarmChange(nouns string) string {
	return `\balarms?[\s_-]*(?:` + nouns + `)"?\s*(?:has\s+|is\s+|was\s+)?(?:been\s+)?(?:changed|raised|escalated|set|went|moved|increased|decreased|lowered|dropped|returned|reduced|updated|now)?\s*(?:from\s+` + lvAny + `\s+)?(?:(?:to|=|:|->|is|now)\s*"?)?(?:level\s+)?` + lvAlarm
}

// alarmRules recognise alarm level changes.
var alarmRules = []kindRule{
	// "Alarm level" is MiVB's phrase; status, state and severity are
	// everyone's, so those need context.
	{textRule: rule("alarm-level-change", "alarm", alarmChange(`level`), "alarm level changed to major")},
	{textRule: rule("alarm-status-change", "alarm", alarmChange(`status|state|severity`), "alarm status: critical"), needsContext: true},
	{textRule: rule("alarm-enum", "alm", `\balm(?P<level>clear|minor|major|critical)\b`, "almmajor")},
	{textRule: rule("alarms-cleared", "alarm", `\b(?:all\s+)?alarms?\s+(?:(?:have|has)\s+been\s+|are\s+|is\s+|were\s+|was\s+)?(?P<level>cleared)\b`,
		"all alarms cleared"), needsContext: true},
	{textRule: rule("level-alarm", "alarm", `\b(?P<level>minor|major|critical)\s+alarms?\b`, "major alarm raised"), needsContext: true},
}

// systemHints gate the system rules: without one of them none is tried.
var systemHints = [][]byte{
	[]byte("start"), []byte("boot"), []byte("reset"), []byte("shut"), []byte("power"),
	[]byte("halt"), []byte("initiali"), []byte("service"),
}

// systemRules recognise restarts, reboots and shutdowns, most specific
// first; all need context unless systemSubject says whose restart it is.
var systemRules = []kindRule{
	{textRule: rule("restart-complete", "", `\b(?:re-?start|re-?boot|reset|initiali[sz]ation|start-?up|boot(?:ing)?|recovery)\s+(?:is\s+|has\s+|was\s+)?(?:complete[d]?|finished|done|successful(?:ly)?|ok)\b`,
		"system restart complete"), needsContext: true, severity: events.SeverityInfo},
	{textRule: rule("in-service", "", `\b(?:system|call[\s_-]*server|controller)\s+(?:is\s+)?(?:ready|back\s+in\s+service|in\s+service|up\s+and\s+running)\b`,
		"call server back in service"), needsContext: true, severity: events.SeverityInfo},
	{textRule: rule("shutdown", "", `\bshut(?:ting)?[\s_-]*down\b|\bshutdown\b|\bpower(?:ing|ed)?[\s_-]*(?:off|down)\b|\bhalt(?:ed|ing)?\b`,
		"system shutdown; cause: maintenance command"), needsContext: true, severity: events.SeverityMajor},
	{textRule: rule("restart", "", `\b(?:re-?start(?:ed|ing|s)?|re-?boot(?:ed|ing|s)?|cold[\s_-]*start|warm[\s_-]*start|reset|re-?initiali[sz][a-z]*)\b`,
		"system restart initiated"), needsContext: true, severity: events.SeverityWarning},
}

// systemSubject names whose restart it is, which is context enough.
var systemSubject = rule("system-subject", "",
	`\b(?:system|call[\s_-]*server|controller|pbx|ics)[\s_-]+(?:re-?start|re-?boot|shut[\s_-]*down|shutdown|reset|power)`,
	"system restart initiated")

// releaseAsides name a release the system is not running (one to
// upgrade to); they are blanked before the release is read.
var releaseAsides = []textRule{
	rule("release-target", "", `\b(?:requires?|required|upgrade\s+to|update\s+to|fixed\s+in|available\s+in|install)\s+(?:mivb\s+|mcd\s+|release\s+|rel\.?\s*|version\s+)?r?\d{1,2}\.\d{1,2}(?:\.\d{1,3})*(?:\s*sp\s*\d{1,2})?(?:\s*pr\s*\d{1,2})?`,
		"requires release 9.0 sp3 or the patch"),
}

const releaseNumber = `r?(?P<rel>\d{1,2}\.\d{1,2}(?:\.\d{1,3})*(?:\s*sp\s*\d{1,2})?(?:\s*pr\s*\d{1,2})?)\b`

// releaseRules read the release the record names, in group "rel".
var releaseRules = []textRule{
	rule("release-key", "", `\b(?:software[\s_-]+|sw[\s_-]+)?(?:release|rel\.?|version|vermcd|running)"?\s*[:=]?\s*"?(?:mivb\s*|mcd\s*|mivoice\s+business\s*)?`+releaseNumber,
		"release 9.0 sp2"),
	rule("product-release", "", `\b(?:mivb|mcd|mivoice\s+business)\s+`+releaseNumber, "mivb r9.0 sp2"),
}

// otherTables is every textRule table above, for the tests.
var otherTables = [][]textRule{{systemSubject}, releaseAsides, releaseRules}

// wordSeverity maps a level word as written to a severity.
func wordSeverity(word string) (events.Severity, bool) {
	w := strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		case r >= 'a' && r <= 'z':
			return r
		}
		return -1
	}, word)
	switch {
	case strings.HasPrefix(w, "clear"), w == "none", w == "normal", w == "noviolation":
		return events.SeverityCleared, true
	case w == "warning":
		return events.SeverityWarning, true
	case w == "minor":
		return events.SeverityMinor, true
	case w == "major":
		return events.SeverityMajor, true
	case w == "critical":
		return events.SeverityCritical, true
	case strings.HasPrefix(w, "sys") && strings.Contains(w, "lock"):
		return events.SeveritySystemLock, true
	}
	return "", false
}

// recordSeverities maps a record's own severity to an event severity.
var recordSeverities = map[string]events.Severity{
	"Info": events.SeverityInfo, "Warning": events.SeverityWarning, "Error": events.SeverityMajor,
}
