package board

import "github.com/pbxalarm/pbxalarm/events"

// LevelInfo is how the board names a level and what the level means for
// the PBX's users, in plain language.
type LevelInfo struct {
	Level   string `json:"level"`
	Label   string `json:"label"`
	Meaning string `json:"meaning"`
}

// Levels lists what each level means, least severe first; the page's
// legend and each row's note come from here.
var Levels = []LevelInfo{
	{"cleared", "Clear", "No licence violation: the system works normally."},
	{"info", "Info", "Information only: nothing changes for users."},
	{"warning", "Warning", "Notices in the maintenance log and admin tools; calls are not affected."},
	{"minor", "Minor", "Alarms are raised; calls are not affected."},
	{"major", "Major", "Alarms are raised; calls are not affected."},
	{"critical", "Critical", "Messages appear on phones; calls are still not affected."},
	{"system_lock", "System Lock", "Only emergency and attendant calls can be made; incoming calls still ring."},
}

// levelInfo returns the entry for a normalised level; an unknown level
// keeps its own name and says the board cannot tell what it means.
func levelInfo(level string) LevelInfo {
	for _, l := range Levels {
		if l.Level == level {
			return l
		}
	}
	if level == "" || level == "unknown" {
		return LevelInfo{Level: "unknown", Label: "Unknown", Meaning: "The board could not read this system's level."}
	}
	return LevelInfo{Level: level, Label: level, Meaning: "A level the board does not know."}
}

// levelRank orders levels by urgency; unknown levels rank -1.
func levelRank(level string) int { return events.Severity(level).Rank() }

var causeLabels = map[string]string{
	string(events.CauseCertificateUpdate): "Security certificate update",
	string(events.CauseLicenceOveruse):    "Licence overuse",
	string(events.CauseLicenceExpired):    "Licence expired",
	string(events.CauseOther):             "Other",
	string(events.CauseUnknown):           "Unknown",
}

// causeLabel names a cause for people; an unknown cause shows as sent.
func causeLabel(cause string) string {
	if l, ok := causeLabels[cause]; ok {
		return l
	}
	return cause
}

// effectiveCalls is the tracker's calls field or, when it does not say,
// what follows from the level: only System Lock restricts calls.
func effectiveCalls(calls, level string) string {
	switch {
	case calls != "":
		return calls
	case level == "system_lock":
		return "emergency_only"
	case levelRank(level) >= 0:
		return "normal"
	}
	return ""
}

// callsLabel says for people what users can dial.
func callsLabel(calls string) string {
	switch calls {
	case "normal":
		return "Normal"
	case "emergency_only":
		return "Emergency and attendant only"
	}
	return calls
}
