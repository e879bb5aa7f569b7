// Package loadgen generates load against a pbxalarm and measures what
// arrives on NATS.
//
// [Run] sends syslog (UDP, TCP, TLS), SNMP traps (v2c, v3) or informs (v2c,
// v3) at a given rate or as fast as it can, each message carrying a token
// with the run's id, a sequence number and its send time. A counter reads
// the JetStream stream from where it stood when the run began, finds each
// event's token and reports what was sent, what arrived (once, twice or not
// at all) and how long it took: see [Report].
package loadgen
