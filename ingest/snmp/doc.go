// Package snmp receives SNMP notifications over UDP: SNMPv1 and SNMPv2c
// traps and informs checked against a community allow-list, and SNMPv3
// traps and informs under the User-based Security Model (RFC 3414) with
// MD5, SHA and SHA-2 authentication and DES or AES privacy.
//
// Data flows socket -> decode -> (read back) -> [Handler]. Several reader
// goroutines read the socket; each datagram is decoded (gosnmp does the BER
// and the USM, behind recover()) into one [Notification]. For MiVB's alarm
// trap 301 the receiver then reads back the sending PBX's sysDescr.0 and
// its alarm category table through an [Enricher] ([ReadBack] is the SNMP
// one), because the trap itself only carries the overall level.
//
// An inform is answered only when the handler calls its ack with nil, that
// is once the event is stored, so an inform lost before that is resent by
// the PBX; the resent inform carries the same [Notification.Identity]
// bytes, so it becomes the same event id and is stored once. For SNMPv3
// informs the receiver is the authoritative engine: it keeps an engine ID
// and boot counter (persisted with [WithDataDir]) and answers discovery
// with Report PDUs, so senders need no pre-shared engine ID.
//
// [WithAllow] and [WithRateLimit] decide, per datagram and before anything
// is decoded or decrypted, whether its sender may send at all and whether
// it is over its rate; a dropped inform is not answered, so its sender
// retries.
//
// Nothing is dropped silently: input that is not accepted (sender not
// allowed or over its rate, wrong community,
// failed authentication, unknown user or engine, malformed or oversize
// packets, PDUs that are not notifications) is counted in [Stats] by reason
// and logged, rate limited, without the community string or any secret,
// and the receiver keeps serving.
package snmp
