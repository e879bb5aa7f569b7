// Package agent is a small SNMP agent (SNMPv1 and SNMPv2c, read-only) that
// answers from a mutable [Table] of OIDs, as a virtual MiVB PBX would.
//
// Data flows socket -> decode -> look up -> encode: one goroutine reads
// each request datagram, gosnmp decodes it (behind recover(), so that no
// packet can crash the agent), the [Table] is read under one lock, and
// gosnmp encodes the GetResponse. The agent answers GET, GETNEXT and (v2c)
// GETBULK as RFC 3416 and RFC 1157 say, bounds each response to a maximum
// size (trimming GETBULK results, answering tooBig otherwise), and refuses
// SET with notWritable (noSuchName in v1).
//
// Nothing is answered that should not be: a wrong community, an SNMPv3 or
// unknown version, a PDU that is not a request, or bytes that do not
// decode are counted in [Stats] and logged, rate limited, and get no
// answer; the agent keeps serving.
//
// The table can change while the agent serves (the emulator raises and
// clears alarms by rewriting the category table); every request sees one
// consistent state of it.
package agent
