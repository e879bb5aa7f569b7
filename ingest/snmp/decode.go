package snmp

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/mivb"
)

// decoder turns one datagram into a notification, a reply to send at
// once, or a rejection. It holds no per-packet state and is safe for
// concurrent use.
type decoder struct {
	communities []community
	users       *userTable
	engine      *localEngine
	counters    *usmCounters
	community   *gosnmp.GoSNMP // v1/v2c: no USM, so no lock shared by the readers
	discover    *gosnmp.GoSNMP // the plaintext of v3 discovery requests
}

// outcome is what one datagram leads to; any of the fields may be set.
type outcome struct {
	n      *Notification
	answer responder // for an inform: how to build its Response
	reply  []byte    // a Report to send now
	rej    *rejection
}

// responder builds the Response to an inform when it is acknowledged.
type responder interface {
	response() ([]byte, error)
}

func newDecoder(cfg *config, users *userTable, engine *localEngine) *decoder {
	return &decoder{
		communities: cfg.communities,
		users:       users,
		engine:      engine,
		counters:    new(usmCounters),
		community:   &gosnmp.GoSNMP{},
		discover: &gosnmp.GoSNMP{
			Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel,
			SecurityParameters: &gosnmp.UsmSecurityParameters{},
		},
	}
}

// decode processes one datagram (which it may modify) from peer.
func (d *decoder) decode(pkt []byte, peer netip.AddrPort, now time.Time) outcome {
	msg, rest, err := expect(pkt, tagSequence, "message")
	if err != nil {
		return outcome{rej: reject(ReasonMalformed, err)}
	}
	if len(rest) != 0 {
		return outcome{rej: rejectf(ReasonMalformed, fmt.Sprintf("%d bytes after the message", len(rest)))}
	}
	version, body, err := readUint(msg.content, "version")
	if err != nil {
		return outcome{rej: reject(ReasonMalformed, err)}
	}
	switch version {
	case 0, 1:
		return d.decodeCommunity(pkt, body, version, peer, now)
	case 3:
		return d.decodeV3(pkt, peer, now)
	}
	return outcome{rej: rejectf(ReasonMalformed, fmt.Sprintf("SNMP version field %d", version))}
}

// decodeCommunity handles v1 (version 0) and v2c (version 1).
func (d *decoder) decodeCommunity(pkt, body []byte, version int64, peer netip.AddrPort, now time.Time) outcome {
	comm, rest, err := expect(body, tagOctetString, "community")
	if err != nil {
		return outcome{rej: reject(ReasonMalformed, err)}
	}
	pdu, rest, err := readTLV(rest)
	if err != nil || len(rest) != 0 {
		return outcome{rej: rejectf(ReasonMalformed, "PDU is truncated or followed by bytes")}
	}
	if !d.communityAllowed(comm.content, peer.Addr()) {
		return outcome{rej: rejectf(ReasonBadCommunity, "community not allowed for this sender")}
	}
	wantTrap := byte(tagTrapV2)
	if version == 0 {
		wantTrap = tagTrapV1
	}
	if pdu.tag != wantTrap && !(version == 1 && pdu.tag == tagInform) {
		return outcome{rej: notNotification(pdu.tag)}
	}
	p, err := unmarshal(d.community, pkt)
	if err != nil {
		return outcome{rej: reject(ReasonMalformed, err)}
	}
	n := newNotification(p, peer, now)
	n.Identity = bytes.Clone(pdu.whole)
	o := outcome{n: n}
	if p.PDUType == gosnmp.InformRequest {
		o.answer = &communityResponse{
			version: p.Version, community: string(comm.content), requestID: p.RequestID,
			vars: cloneVars(p.Variables),
		}
	}
	return o
}

func (d *decoder) communityAllowed(got []byte, from netip.Addr) bool {
	ok := false
	for _, c := range d.communities {
		// Constant time, and every entry is compared, so timing tells
		// nothing about how close a guess came.
		match := subtle.ConstantTimeCompare(c.value, got) == 1 && inNetworks(c.networks, from)
		ok = ok || match
	}
	return ok
}

func inNetworks(nets []netip.Prefix, a netip.Addr) bool {
	if len(nets) == 0 {
		return true
	}
	for _, n := range nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// notNotification says whether a PDU tag is some other SNMP PDU (counted
// as not_a_notification) or no PDU at all (malformed).
func notNotification(tag byte) *rejection {
	if tag >= 0xa0 && tag <= 0xa8 {
		return rejectf(ReasonNotANotification, fmt.Sprintf("PDU type %#x", tag))
	}
	return rejectf(ReasonMalformed, fmt.Sprintf("PDU tag %#x", tag))
}

// unmarshal runs gosnmp's decoder, which has been seen to panic on hostile
// input, behind recover().
func unmarshal(g *gosnmp.GoSNMP, b []byte) (p *gosnmp.SnmpPacket, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("gosnmp panicked: %v", r)
		}
	}()
	return g.UnmarshalTrap(b, true)
}

// newNotification fills a notification from a decoded packet.
func newNotification(p *gosnmp.SnmpPacket, peer netip.AddrPort, now time.Time) *Notification {
	n := &Notification{Peer: peer, ReceivedAt: now}
	s := &n.SNMP
	s.PDU = "trap"
	if p.PDUType == gosnmp.InformRequest {
		s.PDU = "inform"
	}
	s.Varbinds = make([]events.Varbind, len(p.Variables))
	for i, v := range p.Variables {
		s.Varbinds[i] = varbind(v)
	}
	switch p.Version {
	case gosnmp.Version1:
		s.Version = "1"
		s.Enterprise = strings.TrimPrefix(p.Enterprise, ".")
		s.AgentAddress = p.AgentAddress
		g, sp, up := p.GenericTrap, p.SpecificTrap, uint32(p.Timestamp)
		s.GenericTrap, s.SpecificTrap, s.Uptime = &g, &sp, &up
	case gosnmp.Version2c:
		s.Version = "2c"
	default:
		s.Version = "3"
	}
	for i, v := range p.Variables {
		switch s.Varbinds[i].OID {
		case mivb.OIDSnmpTrapOID:
			s.TrapOID = s.Varbinds[i].Value
		case mivb.OIDSnmpTrapEnterprise:
			s.Enterprise = s.Varbinds[i].Value
		case mivb.OIDSysUpTime:
			if up, ok := v.Value.(uint32); ok && s.Uptime == nil {
				s.Uptime = &up
			}
		case mivb.OIDSysName:
			n.SysName = s.Varbinds[i].Value
		}
	}
	t := n.Trap()
	if t.NotificationOID() == mivb.OIDTrapAlarm {
		if level, ok := t.AlarmLevel(); ok {
			s.AlarmLevel = &level
			s.LevelAmbiguous = mivb.LevelAmbiguous(level)
		}
	}
	return n
}

// cloneVars copies variables out of the read buffer, which is reused
// before an inform is acknowledged.
func cloneVars(vs []gosnmp.SnmpPDU) []gosnmp.SnmpPDU {
	out := make([]gosnmp.SnmpPDU, len(vs))
	for i, v := range vs {
		if b, ok := v.Value.([]byte); ok {
			v.Value = bytes.Clone(b)
		}
		out[i] = v
	}
	return out
}

// communityResponse answers a v2c inform: the same request id and
// varbinds in a Response PDU (RFC 3416 4.2.7).
type communityResponse struct {
	version   gosnmp.SnmpVersion
	community string
	requestID uint32
	vars      []gosnmp.SnmpPDU
}

func (c *communityResponse) response() ([]byte, error) {
	p := &gosnmp.SnmpPacket{
		Version: c.version, Community: c.community, PDUType: gosnmp.GetResponse,
		RequestID: c.requestID, Variables: c.vars,
	}
	b, err := p.MarshalMsg()
	if err != nil {
		return nil, fmt.Errorf("snmp: encode inform response: %w", err)
	}
	return b, nil
}
