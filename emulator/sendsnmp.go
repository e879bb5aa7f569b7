package emulator

import (
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/pbxalarm/pbxalarm/ingest/snmp"
)

// trapSender sends one system's notifications from its own address.
type trapSender struct {
	g       *gosnmp.GoSNMP
	ip      netip.Addr
	version string
	inform  bool
	v3      *gosnmp.UsmSecurityParameters
}

// engineID is a system's own SNMP engine ID (RFC 3411 format 1: Mitel's
// enterprise number and the IPv4 address), authoritative for its traps.
func engineID(ip netip.Addr) string {
	a := ip.As4()
	return string([]byte{0x80, 0x00, 0x04, 0x03, 0x01, a[0], a[1], a[2], a[3]})
}

func newTrapSender(ip netip.Addr, t Targets, o *options) (*trapSender, error) {
	host, port, _ := net.SplitHostPort(t.SNMP) // checked by Targets.checked
	p, _ := strconv.Atoi(port)
	g := &gosnmp.GoSNMP{
		Target: host, Port: uint16(p), Transport: "udp", Community: t.Community,
		Timeout: o.snmpTimeout, Retries: o.snmpRetries, LocalAddr: net.JoinHostPort(ip.String(), "0"),
		MaxOids: gosnmp.MaxOids,
	}
	s := &trapSender{g: g, ip: ip, version: t.SNMPVersion, inform: t.Inform}
	switch t.SNMPVersion {
	case "1":
		g.Version = gosnmp.Version1
	case "2c":
		g.Version = gosnmp.Version2c
	case "3":
		g.Version = gosnmp.Version3
		s.v3 = usmParams(t.User, ip, t.Inform)
		g.SecurityModel = gosnmp.UserSecurityModel
		g.MsgFlags = t.User.MsgFlags()
		g.SecurityParameters = s.v3
	}
	if err := g.Connect(); err != nil {
		return nil, fmt.Errorf("snmp: open socket on %s to %s: %w", ip, t.SNMP, err)
	}
	return s, nil
}

// usmParams are the user's USM parameters. A trap's authoritative engine
// is the sender: the user's engine ID when it names one, else the
// system's own. An inform's is the receiver: the user's engine ID, else
// discovered.
func usmParams(u snmp.User, ip netip.Addr, inform bool) *gosnmp.UsmSecurityParameters {
	var engine string
	id, err := hex.DecodeString(u.EngineID)
	switch {
	case err == nil && len(id) > 0:
		engine = string(id)
	case !inform:
		engine = engineID(ip)
	}
	p := u.USM(engine)
	if !inform {
		p.AuthoritativeEngineBoots = 1
	}
	return p
}

// send sends t with the system's uptime; an inform waits for its
// response, resent as WithInformTimeout says.
func (s *trapSender) send(t *trapMsg, uptime time.Duration) error {
	ticks := uint32(uptime / (10 * time.Millisecond))
	var trap gosnmp.SnmpTrap
	if s.version == "1" {
		trap = gosnmp.SnmpTrap{
			Variables: t.vars, Enterprise: oidMitelIpera3000, AgentAddress: s.ip.String(),
			GenericTrap: t.generic, SpecificTrap: t.specific, Timestamp: uint(ticks),
		}
	} else {
		vars := make([]gosnmp.SnmpPDU, 0, len(t.vars)+2)
		vars = append(vars,
			gosnmp.SnmpPDU{Name: oidSysUpTime, Type: gosnmp.TimeTicks, Value: ticks},
			gosnmp.SnmpPDU{Name: oidSnmpTrapOID, Type: gosnmp.ObjectIdentifier, Value: t.oid()})
		trap = gosnmp.SnmpTrap{Variables: append(vars, t.vars...), IsInform: s.inform}
		if s.v3 != nil && !s.inform {
			s.v3.AuthoritativeEngineTime = uint32(uptime / time.Second)
		}
	}
	if _, err := s.g.SendTrap(trap); err != nil {
		return fmt.Errorf("snmp: send %s from %s to %s:%d: %w", t.text, s.ip, s.g.Target, s.g.Port, err)
	}
	return nil
}

func (s *trapSender) close() {
	if s.g.Conn != nil {
		s.g.Conn.Close()
	}
}
