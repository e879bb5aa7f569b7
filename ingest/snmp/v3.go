package snmp

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/gosnmp/gosnmp"
)

// USM statistics objects sent in Report PDUs (RFC 3414 5).
const (
	oidUnknownEngineIDs = ".1.3.6.1.6.3.15.1.1.4.0"
	oidNotInTimeWindows = ".1.3.6.1.6.3.15.1.1.2.0"
)

const (
	flagAuth       = 0x01
	flagPriv       = 0x02
	flagReportable = 0x04
	usmModel       = 3
)

// usmCounters are the snmpEngine's USM statistics that Reports carry.
type usmCounters struct {
	unknownEngineIDs atomic.Uint32
	notInTimeWindows atomic.Uint32
	salt             atomic.Uint64 // privacy salt of our encrypted responses
}

// v3Header is the part of an SNMPv3 message read before any security
// processing (RFC 3412 6, RFC 3414 2.4).
type v3Header struct {
	msgID    int64
	flags    byte
	model    int64
	engineID []byte
	boots    int64
	time     int64
	user     []byte
	data     tlv // the scopedPDU, plain (SEQUENCE) or encrypted (OCTET STRING)
}

// parseV3 reads the header of an SNMPv3 message without trusting any of it.
func parseV3(pkt []byte) (*v3Header, error) {
	msg, _, err := expect(pkt, tagSequence, "message")
	if err != nil {
		return nil, err
	}
	_, rest, err := readUint(msg.content, "version")
	if err != nil {
		return nil, err
	}
	global, rest, err := expect(rest, tagSequence, "msgGlobalData")
	if err != nil {
		return nil, err
	}
	var h v3Header
	g := global.content
	if h.msgID, g, err = readUint(g, "msgID"); err != nil {
		return nil, err
	}
	if _, g, err = readUint(g, "msgMaxSize"); err != nil {
		return nil, err
	}
	flags, g, err := expect(g, tagOctetString, "msgFlags")
	if err != nil {
		return nil, err
	}
	if len(flags.content) != 1 {
		return nil, fmt.Errorf("msgFlags: %d octets, want 1", len(flags.content))
	}
	h.flags = flags.content[0]
	if h.model, _, err = readUint(g, "msgSecurityModel"); err != nil {
		return nil, err
	}
	secOctets, rest, err := expect(rest, tagOctetString, "msgSecurityParameters")
	if err != nil {
		return nil, err
	}
	if h.data, rest, err = readTLV(rest); err != nil {
		return nil, fmt.Errorf("msgData: %w", err)
	}
	if len(rest) != 0 {
		return nil, errors.New("bytes after msgData")
	}
	if h.data.tag != tagSequence && h.data.tag != tagOctetString {
		return nil, fmt.Errorf("msgData: tag %#x", h.data.tag)
	}
	if h.model != usmModel {
		return &h, nil // not ours to read further
	}
	sp, _, err := expect(secOctets.content, tagSequence, "UsmSecurityParameters")
	if err != nil {
		return nil, err
	}
	s := sp.content
	var e tlv
	if e, s, err = expect(s, tagOctetString, "msgAuthoritativeEngineID"); err != nil {
		return nil, err
	}
	h.engineID = e.content
	if h.boots, s, err = readUint(s, "msgAuthoritativeEngineBoots"); err != nil {
		return nil, err
	}
	if h.time, s, err = readUint(s, "msgAuthoritativeEngineTime"); err != nil {
		return nil, err
	}
	if e, s, err = expect(s, tagOctetString, "msgUserName"); err != nil {
		return nil, err
	}
	h.user = e.content
	if _, s, err = expect(s, tagOctetString, "msgAuthenticationParameters"); err != nil {
		return nil, err
	}
	if _, _, err = expect(s, tagOctetString, "msgPrivacyParameters"); err != nil {
		return nil, err
	}
	return &h, nil
}

// decodeV3 checks and decodes an SNMPv3 message, in the order of RFC 3414
// 3.2: engine, user, security level, authentication, time window.
func (d *decoder) decodeV3(pkt []byte, peer netip.AddrPort, now time.Time) outcome {
	h, err := parseV3(pkt)
	switch {
	case err != nil:
		return outcome{rej: reject(ReasonMalformed, err)}
	case h.model != usmModel:
		return outcome{rej: rejectf(ReasonMalformed, fmt.Sprintf("security model %d is not USM", h.model))}
	case h.flags&flagPriv != 0 && h.flags&flagAuth == 0:
		return outcome{rej: rejectf(ReasonMalformed, "msgFlags ask for privacy without authentication")}
	case len(h.engineID) == 0:
		return d.discovery(pkt, h)
	case len(h.engineID) < 5 || len(h.engineID) > 32:
		return outcome{rej: rejectf(ReasonMalformed, fmt.Sprintf("engine ID of %d octets", len(h.engineID)))}
	case len(h.user) > maxUserName:
		return outcome{rej: rejectf(ReasonMalformed, fmt.Sprintf("user name of %d octets", len(h.user)))}
	}
	lu, rj := d.users.lookup(h.engineID, string(h.user))
	if rj != nil {
		o := outcome{rej: rj}
		if rj.reason == ReasonUnknownEngine {
			o.reply = d.unknownEngineReport(h, 0)
		}
		return o
	}
	userLevel, msgLevel := byte(lu.conf.MsgFlags()), h.flags&(flagAuth|flagPriv)
	if msgLevel > userLevel || userLevel&flagAuth > msgLevel&flagAuth {
		return outcome{rej: rejectf(ReasonAuthFailure, fmt.Sprintf(
			"message security level %s, user %q is configured for %s", levelName(msgLevel), lu.conf.Name, levelName(userLevel)))}
	}
	// gosnmp checks the digest and decrypts in place: give it a copy.
	p, err := unmarshal(lu.dec, bytes.Clone(pkt))
	if err != nil {
		if h.flags&flagAuth != 0 {
			// With authentication on, any failure (wrong digest, wrong key,
			// garbage after decryption) means the message cannot be trusted.
			return outcome{rej: reject(ReasonAuthFailure, err)}
		}
		return outcome{rej: reject(ReasonMalformed, err)}
	}
	local := bytes.Equal(h.engineID, d.engine.id)
	notification := p.PDUType == gosnmp.SNMPv2Trap || p.PDUType == gosnmp.InformRequest
	switch {
	case notification && msgLevel < userLevel:
		// Only a clock probe may come below the user's level: a
		// notification from a user with privacy must be encrypted.
		return outcome{rej: rejectf(ReasonAuthFailure, fmt.Sprintf(
			"%s from user %q at %s, configured for %s", p.PDUType, lu.conf.Name, levelName(msgLevel), levelName(userLevel)))}
	case p.PDUType == gosnmp.SNMPv2Trap:
	case p.PDUType == gosnmp.InformRequest && !local:
		return outcome{
			rej:   rejectf(ReasonUnknownEngine, fmt.Sprintf("inform addressed to engine %x, ours is %x", h.engineID, d.engine.id)),
			reply: d.unknownEngineReport(h, p.RequestID),
		}
	case p.PDUType == gosnmp.InformRequest && h.flags&flagAuth != 0 && !d.engine.inTimeWindow(h.boots, h.time):
		return outcome{
			rej:   rejectf(ReasonNotInTimeWindow, fmt.Sprintf("boots %d time %d, ours %d %d", h.boots, h.time, d.engine.boots, d.engine.engineTime())),
			reply: d.timeWindowReport(h, p, lu),
		}
	case p.PDUType == gosnmp.InformRequest:
	case p.PDUType == gosnmp.GetRequest && len(p.Variables) == 0 && local && h.flags&flagAuth != 0:
		// A sender synchronising its clock with ours before an inform
		// (RFC 3414 4): answer with our boots and time.
		if !d.engine.inTimeWindow(h.boots, h.time) {
			return outcome{reply: d.timeWindowReport(h, p, lu)}
		}
		return outcome{rej: rejectf(ReasonNotANotification, "empty GetRequest")}
	default:
		return outcome{rej: rejectf(ReasonNotANotification, fmt.Sprintf("PDU type %s", p.PDUType))}
	}
	n := newNotification(p, peer, now)
	n.SNMP.User = string(h.user)
	n.Identity = identityV3(h.engineID, h.user, p.RequestID, n.SNMP.Varbinds)
	o := outcome{n: n}
	if p.PDUType == gosnmp.InformRequest {
		o.answer = &usmResponse{d: d, lu: lu, flags: h.flags &^ flagReportable, msgID: h.msgID, req: p, vars: cloneVars(p.Variables)}
	}
	return o
}

// discovery answers a message with no engine ID, the first step of a
// sender that does not know ours (RFC 3414 4), with our engine ID, boots
// and time.
func (d *decoder) discovery(pkt []byte, h *v3Header) outcome {
	if h.flags&flagReportable == 0 || h.flags&flagAuth != 0 || len(h.user) != 0 {
		return outcome{rej: rejectf(ReasonUnknownEngine, "no engine ID, and not a discovery request")}
	}
	p, err := unmarshal(d.discover, bytes.Clone(pkt))
	if err != nil {
		return outcome{rej: reject(ReasonMalformed, err)}
	}
	return outcome{reply: d.unknownEngineReport(h, p.RequestID)}
}
