package mivb

import (
	"bytes"
	"regexp"
	"strings"
)

// This file holds the tables for a record's framing: its header fields,
// what may stand before it, and other vendors' framings that rule it out.

// logTypeWords maps a log-type word (lower case, any "log" suffix
// removed) to the field's value.
var logTypeWords = map[string]string{
	"maint": "Maintenance", "maintenance": "Maintenance", "mnt": "Maintenance",
	"soft": "Software", "software": "Software", "sw": "Software",
}

// recordSeverityWords maps a record severity word to the field's value.
// Maintenance logs have three severities: Info, Warning, Error.
var recordSeverityWords = map[string]string{
	"info": "Info", "information": "Info", "informational": "Info",
	"warning": "Warning", "warn": "Warning",
	"error": "Error", "err": "Error",
}

type headerField int

const (
	fieldNone headerField = iota
	fieldType
	fieldNumber
	fieldSeverity
	fieldSource
	fieldModule
	fieldDesc
)

// headerKeys maps a key (lower case, without '_' or '-') to its field.
var headerKeys = map[string]headerField{
	"logtype": fieldType, "type": fieldType,
	"lognumber": fieldNumber, "lognum": fieldNumber, "logno": fieldNumber,
	"number": fieldNumber, "num": fieldNumber, "no": fieldNumber, "seq": fieldNumber,
	"logseverity": fieldSeverity, "severity": fieldSeverity, "sev": fieldSeverity,
	"source": fieldSource, "src": fieldSource,
	"module": fieldModule, "mod": fieldModule,
	"description": fieldDesc, "desc": fieldDesc, "message": fieldDesc, "msg": fieldDesc,
}

func headerKeyOf(k string) (headerField, bool) {
	k = strings.Trim(k, "\"'")
	if strings.ContainsAny(k, "_-") {
		k = strings.Map(func(r rune) rune {
			if r == '_' || r == '-' {
				return -1
			}
			return r
		}, k)
	}
	f, ok := headerKeys[k]
	return f, ok
}

func hasAny(w []byte, kws [][]byte) bool {
	for _, kw := range kws {
		if bytes.Contains(w, kw) {
			return true
		}
	}
	return false
}

// meaningWords may not be taken for a component name in a piped header.
var meaningWords = []string{"viol", "restart", "reboot", "shutdown", "clear", "warning", "minor", "major", "critical", "lock"}

// prefixRule matches, at the start of the text, something a relay may
// leave before the record.
type prefixRule struct {
	name  string
	first string // the bytes the prefix can start with, to skip re cheaply
	re    *regexp.Regexp
	tags  bool // the prefix says the sender is MiVB
}

var prefixRules = []prefixRule{
	{"bom", "\xef", regexp.MustCompile(`^\x{feff}`), false},
	{"pri", "<", regexp.MustCompile(`^<\d{1,3}>`), false},
	// A whole syslog line where only its MSG was expected: the header is
	// stepped over (the transport, not the record, owns it).
	{"rfc3164-header", "adfjmnos", regexp.MustCompile(`^(?:` + monthNames + `)\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s+\S+\s+`), false},
	{"rfc5424-header", "1", regexp.MustCompile(`^1\s+(?:-|\d{4}-\d{2}-\d{2}t\S+)\s+\S+\s+(\S+)\s+\S+\s+\S+\s+(?:-|(?:\[(?:[^\]"]|"(?:[^"\\]|\\.)*")*\])+)\s?`), false},
	{"tag", "mi3", regexp.MustCompile(`^(?:mivb|mitel|mivoice|mcd|3300|icp)[a-z0-9_.-]*(?:\[\d{1,10}\])?:`), true},
}

// mivbMentions name the product; a record that does is MiVB's even
// without a header.
var mivbMentions = []textRule{
	rule("mention-mivb", "mivb", `\bmivb\b`, "mivb pbx-lon-01"),
	rule("mention-mitel", "mitel", `\bmitel\b`, "mitel controller"),
	rule("mention-mivoice", "mivoice", `\bmivoice\b`, "mivoice business"),
	rule("mention-3300", "3300", `\b3300\s*icp\b`, "3300 icp"),
}

// foreignRules recognise other vendors' framings. Such a line is never a
// MiVB record, whatever it says about licences.
var foreignRules = []textRule{
	rule("cisco-mnemonic", "%", `%[a-z0-9_]+(?:-[a-z0-9_]+)?-[0-7]-[a-z0-9_]+\s*:`,
		"%license-6-eula_accepted: eula for feature uck9 1.0 has been accepted."),
	rule("fortigate-logid", "logid", `\blogid="?\d{6,}`,
		`date=2024-03-01 time=10:00:00 devname="fg100" logid="0100022005" type="event"`),
	rule("junos-tag", "license", `^[a-z][a-z0-9_-]*(?:\[\d+\])?:\s*license_[a-z_]+:`,
		"license-check[1234]: license_expired: feature idp-sig expired"),
}

// headerFieldRules is every table above that is a textRule, for the tests.
var headerFieldRules = [][]textRule{mivbMentions, foreignRules}
