package snmp

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/gosnmp/gosnmp"

	"github.com/pbxalarm/pbxalarm/events"
)

// unknownEngineReport builds the usmStatsUnknownEngineIDs Report for a
// reportable message, unauthenticated as RFC 3414 3.2.3 says. It returns
// nil when the message is not reportable.
func (d *decoder) unknownEngineReport(h *v3Header, requestID uint32) []byte {
	if h.flags&flagReportable == 0 {
		return nil
	}
	n := d.counters.unknownEngineIDs.Add(1)
	return d.report(h, requestID, "", "", oidUnknownEngineIDs, n, nil)
}

// timeWindowReport builds the usmStatsNotInTimeWindows Report, sent
// authNoPriv with the user's key (RFC 3414 3.2.7a) so the sender can trust
// the boots and time in it.
func (d *decoder) timeWindowReport(h *v3Header, p *gosnmp.SnmpPacket, lu *localUser) []byte {
	if h.flags&flagReportable == 0 {
		return nil
	}
	n := d.counters.notInTimeWindows.Add(1)
	return d.report(h, p.RequestID, p.ContextEngineID, p.ContextName, oidNotInTimeWindows, n, lu)
}

func (d *decoder) report(h *v3Header, requestID uint32, ctxEngine, ctxName, oid string, count uint32, lu *localUser) []byte {
	sp := &gosnmp.UsmSecurityParameters{
		AuthoritativeEngineID:    string(d.engine.id),
		AuthoritativeEngineBoots: d.engine.boots,
		AuthoritativeEngineTime:  d.engine.engineTime(),
		UserName:                 string(h.user),
	}
	flags := gosnmp.NoAuthNoPriv
	if lu != nil {
		flags = gosnmp.AuthNoPriv
		sp.AuthenticationProtocol, sp.SecretKey = lu.usm.AuthenticationProtocol, lu.usm.SecretKey
	}
	if ctxEngine == "" {
		ctxEngine = string(d.engine.id)
	}
	p := &gosnmp.SnmpPacket{
		Version: gosnmp.Version3, MsgFlags: flags, SecurityModel: gosnmp.UserSecurityModel,
		SecurityParameters: sp, MsgID: uint32(h.msgID), ContextEngineID: ctxEngine, ContextName: ctxName,
		PDUType: gosnmp.Report, RequestID: requestID,
		Variables: []gosnmp.SnmpPDU{{Name: oid, Type: gosnmp.Counter32, Value: count}},
	}
	b, err := p.MarshalMsg()
	if err != nil {
		return nil // only a bug could cause this; the sender retries or gives up
	}
	return b
}

// usmResponse answers a v3 inform with our engine's boots and time at the
// moment of the answer, at the inform's security level.
type usmResponse struct {
	d     *decoder
	lu    *localUser
	flags byte
	msgID int64
	req   *gosnmp.SnmpPacket
	vars  []gosnmp.SnmpPDU
}

func (r *usmResponse) response() ([]byte, error) {
	e, u := r.d.engine, r.lu.usm
	sp := &gosnmp.UsmSecurityParameters{
		AuthoritativeEngineID:    string(e.id),
		AuthoritativeEngineBoots: e.boots,
		AuthoritativeEngineTime:  e.engineTime(),
		UserName:                 u.UserName,
		AuthenticationProtocol:   u.AuthenticationProtocol,
		PrivacyProtocol:          u.PrivacyProtocol,
		SecretKey:                u.SecretKey,
		PrivacyKey:               u.PrivacyKey,
	}
	if r.flags&flagPriv != 0 {
		sp.PrivacyParameters = r.d.salt(u.PrivacyProtocol, e.boots)
	}
	p := &gosnmp.SnmpPacket{
		Version: gosnmp.Version3, MsgFlags: gosnmp.SnmpV3MsgFlags(r.flags), SecurityModel: gosnmp.UserSecurityModel,
		SecurityParameters: sp, MsgID: uint32(r.msgID),
		ContextEngineID: r.req.ContextEngineID, ContextName: r.req.ContextName,
		PDUType: gosnmp.GetResponse, RequestID: r.req.RequestID, Variables: r.vars,
	}
	b, err := p.MarshalMsg()
	if err != nil {
		return nil, fmt.Errorf("snmp: encode v3 inform response: %w", err)
	}
	return b, nil
}

// salt returns the msgPrivacyParameters of one encrypted response: a
// counter that starts at a random value, so no salt repeats under a key
// (RFC 3826 3.1.2.1; for DES the boots come first, RFC 3414 8.1.1.1).
func (d *decoder) salt(priv gosnmp.SnmpV3PrivProtocol, boots uint32) []byte {
	if d.counters.salt.Load() == 0 {
		var seed [8]byte
		rand.Read(seed[:])
		d.counters.salt.CompareAndSwap(0, binary.BigEndian.Uint64(seed[:])|1)
	}
	n := d.counters.salt.Add(1)
	b := make([]byte, 8)
	if priv == gosnmp.DES {
		binary.BigEndian.PutUint32(b, boots)
		binary.BigEndian.PutUint32(b[4:], uint32(n))
		return b
	}
	binary.BigEndian.PutUint64(b, n)
	return b
}

// identityV3 is the canonical form of a v3 notification that the event id
// is made from: DER of the engine ID, user name, request id and varbinds.
// Engine time, msgID, salt and digest change when a sender retries an
// inform; these do not.
//
// It is written by hand (appendIdentityV3), byte for byte what
// encoding/asn1 marshals for identityV3Value (a test compares them):
// asn1's reflection cost a third of decoding a v3 trap.
func identityV3(engineID, user []byte, requestID uint32, vbs []events.Varbind) []byte {
	return appendIdentityV3(nil, engineID, user, requestID, vbs)
}

// identityV3Value is the ASN.1 value identityV3 encodes.
type identityV3Value struct {
	EngineID, User []byte
	RequestID      int64
	Varbinds       []identityVarbind
}

type identityVarbind struct {
	OID, Type, Value string `asn1:"utf8"`
}

const tagUTF8String = 0x0c

// appendIdentityV3 appends the DER of identityV3Value{engineID, user,
// requestID, vbs}. Like encoding/asn1 with an explicit utf8 tag, it writes
// the strings' bytes as they are.
func appendIdentityV3(b, engineID, user []byte, requestID uint32, vbs []events.Varbind) []byte {
	vbsLen := 0
	for i := range vbs {
		v := &vbs[i]
		vbsLen += derLen(derLen(len(v.OID)) + derLen(len(v.Type)) + derLen(len(v.Value)))
	}
	id := derInt(requestID)
	body := derLen(len(engineID)) + derLen(len(user)) + derLen(len(id)) + derLen(vbsLen)
	b = slices.Grow(b, derLen(body))
	b = appendDERHeader(b, tagSequence, body)
	b = append(appendDERHeader(b, tagOctetString, len(engineID)), engineID...)
	b = append(appendDERHeader(b, tagOctetString, len(user)), user...)
	b = append(appendDERHeader(b, tagInteger, len(id)), id...)
	b = appendDERHeader(b, tagSequence, vbsLen)
	for i := range vbs {
		v := &vbs[i]
		b = appendDERHeader(b, tagSequence, derLen(len(v.OID))+derLen(len(v.Type))+derLen(len(v.Value)))
		b = append(appendDERHeader(b, tagUTF8String, len(v.OID)), v.OID...)
		b = append(appendDERHeader(b, tagUTF8String, len(v.Type)), v.Type...)
		b = append(appendDERHeader(b, tagUTF8String, len(v.Value)), v.Value...)
	}
	return b
}

// derInt is the minimal two's-complement content of a non-negative
// INTEGER: big-endian, with a leading zero where the top bit is set.
func derInt(v uint32) []byte {
	var buf [5]byte
	i := len(buf) - 1
	buf[i] = byte(v)
	for v >>= 8; v != 0; v >>= 8 {
		i--
		buf[i] = byte(v)
	}
	if buf[i]&0x80 != 0 {
		i--
		buf[i] = 0
	}
	return buf[i:]
}

// derLen is the size of an element with n bytes of content.
func derLen(n int) int {
	switch {
	case n < 0x80:
		return 2 + n
	case n <= 0xff:
		return 3 + n
	case n <= 0xffff:
		return 4 + n
	case n <= 0xffffff:
		return 5 + n
	}
	return 6 + n
}

// appendDERHeader appends a tag and the definite length n, short form
// below 128 and else in as few bytes as it takes.
func appendDERHeader(b []byte, tag byte, n int) []byte {
	if n < 0x80 {
		return append(b, tag, byte(n))
	}
	k := 1
	for n>>(8*k) != 0 {
		k++
	}
	b = append(b, tag, 0x80|byte(k))
	for i := k - 1; i >= 0; i-- {
		b = append(b, byte(n>>(8*i)))
	}
	return b
}

func levelName(flags byte) string {
	switch {
	case flags&flagPriv != 0:
		return "authPriv"
	case flags&flagAuth != 0:
		return "authNoPriv"
	}
	return "noAuthNoPriv"
}
