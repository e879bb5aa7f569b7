// Package emulator plays a fleet of virtual Mitel MiVoice Business (MiVB)
// systems on the wire, so that pbxalarm can be shown working and tested
// end to end without a PBX.
//
// Each system has an identity (name, loopback address, release, platform,
// licences), a licence-violation state that escalates on a [Schedule]
// kept as data, and emits what a MiVB emits from its own address:
// maintenance-log records (docs/RECORDS.md) over syslog and on a log
// stream, SNMP traps 301/302/303 and coldStart, and an SNMP agent whose
// alarm category table follows the state.
//
// Data flows scenario -> plan -> play: a [Scenario] (YAML, or one of the
// built-ins) and the options are turned into a deterministic plan of
// timed messages by a simulation on a virtual clock; [Run] plays the plan
// to the [Targets] at the chosen speed, and [Expect] turns the same plan
// into the events pbxalarm should publish. The same seed and options give
// the same plan.
package emulator
