// Package mivb knows what Mitel MiVoice Business (MiVB) output means. It
// turns a maintenance-log record (a syslog MSG or one line of the
// maintenance-log stream) or an SNMP notification into the fields of a
// pbxalarm event: kind, severity, licence-violation cause and day, first
// detection time and release.
//
// Records are recognised by meaning, not by one template: [Recognise]
// looks for what a record says (a licence violation at some level, an
// alarm level change, a restart) wherever it says it, so reworded,
// reordered and re-framed variants of the modelled format in
// docs/RECORDS.md are recognised too, while other products' licence
// notices are not. The patterns live in data tables (rules_*.go), apart
// from the code that applies them: a new variant is a new row.
package mivb
