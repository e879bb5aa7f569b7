package mivb

import "github.com/pbxalarm/pbxalarm/events"

// This file holds the tables that read a licence-violation record: what
// says "licence violation", at which level, why, since when and on which
// day of it. Tables are tried in order; within a table the first row that
// matches wins. Patterns run on the lower-cased record.

const (
	// lvWords are the licence and alarm level words in their spellings.
	lvWords = `warning|minor|major|critical|sys(?:tem)?[\s_-]*lock(?:ed)?|clear(?:ed)?`
	// lvWord captures the current level; lv also ends at a word boundary.
	lvWord = `(?P<level>` + lvWords + `)`
	lv     = lvWord + `\b`
	// lvAny is any level, or none, that is not the current one.
	lvAny = `(?:` + lvWords + `|none|normal|no\s+violation)\b`
	// whenTail is when a future level applies.
	whenTail = `(?:\s*(?:on|at|in|after|from)?\s*(?:day\s*\d+|\d+\s*days?|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}))?`
	// licence is the noun in its spellings and forms.
	licence = `licen[cs](?:e|es|ing)`
)

// licencePhrases say "licence violation". A record without one is no
// licence event, however much it speaks of licences.
var licencePhrases = []textRule{
	rule("licence-violation", "viol", `(?:\b|_)`+licence+`[\s_-]*(?:keys?[\s_-]*)?violat(?:ion|ed)`,
		"license violation - level warning"),
	rule("violation-of-licence", "viol", `\bviolat(?:ion|ing)\s+(?:of\s+)?(?:the\s+|your\s+|its\s+)?(?:[a-z]+\s+)?`+licence,
		"violation of the licence terms"),
	rule("lic-viol", "viol", `(?:\b|_)lic\.?[\s_-]*viol`, "lic_viol level=major"),
	rule("licences-in-violation", "viol", `(?:\b|_)`+licence+`\s+(?:(?:is|are|now)\s+)?in\s+violation`,
		"ip user licences are in violation"),
}

// licenceNegations say there is no violation; they are blanked first.
var licenceNegations = []textRule{
	rule("no-violation", "viol",
		`\b(?:no|zero|without|not\s+in|not\s+a|never\s+in|free\s+of)\s+(?:active\s+|current\s+|new\s+|any\s+|outstanding\s+)?(?:`+licence+`[\s_-]*violations?|lic\.?[\s_-]*viol\w*)`,
		"audit complete, no license violation found"),
	rule("violation-none", "viol", `(?:`+licence+`[\s_-]*)?violations?"?\s*[:=]\s*"?(?:0|none|no|false|off)\b`,
		"license_violations=0"),
}

// alarmCategoryLists name alarm categories; an alarm record listing the
// licence category is still an alarm record, so the list is blanked.
var alarmCategoryLists = []textRule{
	rule("category-list", "categor", `\bcategor(?:y|ies)\b"?\s*[:=]?\s*(?:\[[^\]]*\]|[^;|)]*)`,
		"alarm level changed to major; categories: license violation, ip trunks"),
}

// licenceAsides speak of other levels than the current one (next,
// previous), of days to come, or of what would clear the violation; they
// are blanked before the level is read.
var licenceAsides = []textRule{
	rule("next-level", "next", `\bnext(?:[\s_-]*(?:level|escalation|stage))?"?\s*(?:is\s+|[:=]\s*"?|to\s+|at\s+)?(?:level\s+)?`+lvAny+whenTail,
		"next level critical on day 14"),
	rule("will-escalate", "will", `\bwill\s+(?:be\s+)?(?:[a-z]+\s+)?(?:to\s+|into\s+|at\s+)?(?:level\s+)?`+lvAny+whenTail,
		"will escalate to critical in 5 days"),
	rule("scheduled", "", `\b(?:escalat[a-z]*|moves?|goes|rises)\s+(?:to\s+|into\s+)(?:level\s+)?`+lvAny+`\s*(?:on|at|in|after)\s*(?:day\s*\d+|\d+\s*days?|\d{4}[/.-]\d{1,2}[/.-]\d{1,2})`,
		"escalates to system lock on 2020/09/11"),
	rule("level-in-days", "day", `\b`+lvAny+`\s+(?:in|within)\s+\d+\s*days?\b`, "system lock in 7 days"),
	rule("until", "until", `\buntil\s+(?:the\s+)?(?:level\s+)?`+lvAny, "until critical"),
	rule("previous-level", "", `\b(?:previous(?:ly)?|prior|former|old|was)(?:[\s_-]*level)?"?\s*(?:is\s+|[:=]\s*"?)?`+lvAny,
		"previous level major"),
	// "to clear" is an instruction only with an object ("to clear the
	// violation"): "changed from Major to Clear" is a transition.
	rule("clear-instruction", "", `\b(?:will|would|must|should|can|cannot|could|until|unless|when|once|not|never|be)\s+(?:be\s+|been\s+|get\s+)?(?:(?:automatically|only|fully)\s+)?(?:clear(?:ed)?|resolved?|rectif[a-z]*)\b|\bto\s+(?:be\s+(?:clear(?:ed)?|resolved)|(?:clear|resolve|rectify)\s+(?:the|a|an|this|it|your|any|all)\b)`,
		"the violation will be cleared once the patch is installed"),
	rule("in-n-days", "day", `\b(?:in|within)\s+\d+\s*days?\b`, "system lock in 21 days"),
	rule("timer-expired", "", `\b(?:timer|grace\s+period|period|escalation\s+time[a-z]*)\s+(?:has\s+|had\s+)?(?:expired|exceeded|elapsed|lapsed)\b`,
		"warning timer expired"),
}

// levelRule reads a level: from its "level" group, or fixed for rows that
// mean the violation has cleared.
type levelRule struct {
	textRule
	fixed events.Severity
}

// licenceLevels find the current level: a stated transition first, then
// anything that says the violation has cleared, then the level word in
// ever weaker positions.
var licenceLevels = []levelRule{
	{textRule: rule("transition", "", `(?:\bfrom\s+)?(?:level\s+)?\b`+lvAny+`(?:\s+level)?\s*(?:\bto\b|->|=>|→|>>?)\s*(?:level\s+)?`+lv,
		"escalated from minor to major")},
	{textRule: rule("clear-word", "clear", `\b(?P<level>clear(?:ed|s|ing)?)\b`, "license violation cleared"), fixed: events.SeverityCleared},
	{textRule: rule("violation-resolved", "", `\bviolation\s+(?:is\s+|was\s+|has\s+been\s+)?(?:resolved|rectified|remedied|ended|ceased|lifted|removed|over|terminated|gone)\b|\b(?:resolved|rectified|remedied|ended|ceased|lifted|exited|left|end\s+of)\s+(?:the\s+)?`+licence+`[\s_-]*violation|\b(?:resolved|rectified|remedied)\b`,
		"licence violation resolved"), fixed: events.SeverityCleared},
	{textRule: rule("no-longer-in-violation", "longer", `\bno\s+longer\s+(?:in\s+)?(?:a\s+)?(?:`+licence+`\s+)?violat`,
		"system no longer in license violation"), fixed: events.SeverityCleared},
	{textRule: rule("compliance-restored", "", `\b(?:compliance|`+licence+`\s+compliance|normal\s+(?:operation|service)|service)\s+(?:is\s+|has\s+been\s+)?restored\b|\b(?:back|returned)\s+(?:to|in)\s+(?:compliance|normal)\b`,
		"license compliance restored"), fixed: events.SeverityCleared},
	{textRule: rule("level-key", "", `\b(?:violation[\s_-]*)?(?:level|lvl|state|status|stage)"?\s*(?:is\s+|now\s+|[:=]\s*"?|-\s*|\(\s*)?`+lv,
		"license violation - level warning")},
	{textRule: rule("changed-to", "", `\b(?:escalated|raised|changed|increased|moved|elevated|upgraded|entered|reached|went|gone|rose|risen|set|now|into|at)\s+(?:up\s+)?(?:to\s+|into\s+|at\s+)?(?:the\s+)?(?:level\s+)?`+lv,
		"license violation escalated to critical")},
	{textRule: rule("level-after", "", `\b`+lv+`[\s_-]+(?:level|state|stage|mode)\b`, "licence violation at minor level")},
	{textRule: rule("adjacent-after", "", `violation[\W_]{0,4}`+lvWord+`(?:\b|_)`, "license violation (major)")},
	{textRule: rule("adjacent-before", "", `\b`+lvWord+`[\W_]{1,4}`+licence+`[\s_-]*violation`, "critical license violation")},
	{textRule: rule("any-level", "", `\b`+lv, "licence violation; cause x; major")},
}

// causeRule maps a way of stating a cause to the cause.
type causeRule struct {
	textRule
	cause events.Cause
}

// causeRules say why the violation was raised.
var causeRules = []causeRule{
	{rule("certificate", "cert", `(?:\b|_)(?:security[\s_-]*)?cert(?:ificate)?s?(?:\b|_)`, "security certificate update not installed"), events.CauseCertificateUpdate},
	{rule("security-update", "security", `\bsecurity[\s_-]*(?:update|patch)`, "security patch missing"), events.CauseCertificateUpdate},
	{rule("over-use", "over", `(?:\b|_)over[\s_-]*(?:use[ds]?|usage|using|allocat[a-z]*|subscri[a-z]*|commit[a-z]*|provision[a-z]*|deploy[a-z]*|limit|capacity)\b`, "licenses over-allocated"), events.CauseLicenceOveruse},
	{rule("exceeded", "exceed", `\bexceed[a-z]*`, "purchased licences exceeded"), events.CauseLicenceOveruse},
	{rule("too-many", "many", `\btoo\s+many\b`, "too many licences in use"), events.CauseLicenceOveruse},
	{rule("more-than-purchased", "than", `\b(?:more|greater)\b[^;|]{0,40}\bthan\b[^;|]{0,20}\b(?:purchased|licensed|allowed|available|entitled)`, "more ip users than purchased"), events.CauseLicenceOveruse},
	{rule("insufficient", "insufficient", `\binsufficient\s+licen`, "insufficient licences"), events.CauseLicenceOveruse},
	{rule("expired", "expir", `(?:\b|_)expir(?:ed|y|ation|es|ing)?(?:\b|_)`, "software assurance license expired"), events.CauseLicenceExpired},
	{rule("lapsed", "lapse", `\blapsed?\b`, "subscription lapsed"), events.CauseLicenceExpired},
}

// causeClauses find where a record states its cause; the group "text" is
// read with causeRules, and a stated cause none of them knows is "other".
var causeClauses = []textRule{
	rule("cause-pair", "", `(?:\b|_)(?:cause|reason)\s*=\s*(?P<text>"[^"]*"|[^\s;|,]+)`, "cause=overuse day=9"),
	rule("cause-clause", "", `\b(?:caused\s+by|causes?|reason|because(?:\s+of)?|due\s+to|triggered\s+by|trigger)(?:\s+(?:resolved|removed|cleared))?"?\s*[:=]?\s*(?P<text>"[^"]*"|[^;|]*)`,
		"cause: security certificate update not installed; first detected"),
}

// unstatedCauses are cause texts that state nothing.
var unstatedCauses = map[string]bool{
	"": true, "unknown": true, "none": true, "n/a": true, "na": true, "-": true, "?": true,
	"not stated": true, "unspecified": true, "not specified": true, "not given": true, "null": true,
}

// dayRules read the escalation day, in group "n".
var dayRules = []textRule{
	rule("day-n", "day", `\bdays?"?\s*(?:#|no\.?|number)?\s*[:=]?\s*"?(?P<n>\d{1,5})(?:$|[^\d/:.-]|[/:.-](?:$|\D))`, "(day 14 of violation)"),
	rule("days-in-violation", "day", `\bdays?[\s_-]*(?:in[\s_-]*)?violation"?\s*[:=]\s*"?(?P<n>\d{1,5})\b`, "days_in_violation=3"),
	near(rule("n-days", "day", `\b(?P<n>\d{1,5})(?:st|nd|rd|th)?[\s_-]*days?\b`, "3 days in violation"), 12),
}

// firstDetectedRules find the words before a first-detection time; the
// date forms (dates.go) read the time after them.
var firstDetectedRules = []textRule{
	rule("first-detected", "first", `\bfirst[\s_-]*(?:detected|seen|occurred|occurrence|raised|reported|logged|event|detection)?(?:[\s_-]*(?:at|on|time|date))?"?\s*[:=]?\s*"?(?:at\s+|on\s+)?`,
		"first detected 2020/08/21 09:00:00"),
	rule("detected-at", "detect", `\bdetect(?:ed|ion)(?:[\s_-]*(?:at|on|time|date))?"?\s*[:=]?\s*"?(?:at\s+|on\s+)?`, "detected at 2020-08-21t09:00:00z"),
	rule("since", "since", `\bsince\s*[:=]?\s*`, "in violation since 21-aug-2020 09:00"),
	rule("started", "", `\b(?:violation[\s_-]*)?(?:start(?:ed)?|began|begun)(?:[\s_-]*(?:at|on|time|date))?"?\s*[:=]?\s*"?(?:at\s+|on\s+)?`, "violation_start=2020-08-21"),
}

// licenceTables is every table above, for the tests.
var licenceTables = [][]textRule{licencePhrases, licenceNegations, alarmCategoryLists, licenceAsides, causeClauses, dayRules, firstDetectedRules}
