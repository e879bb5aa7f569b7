package loadgen

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/pbxalarm/pbxalarm/ingest/mivb"
	"github.com/pbxalarm/pbxalarm/ingest/snmp"
)

// TokenOID is the varbind that carries the token in traps and informs: an
// OID under the experimental arc (1.3.6.1.3) that no MIB defines.
const TokenOID = "1.3.6.1.3.6514.1.0"

// usmKeys is a v3 user with keys localised to one authoritative engine.
type usmKeys struct {
	engine  string // the authoritative engine ID, raw
	flags   gosnmp.SnmpV3MsgFlags
	user    string
	auth    gosnmp.SnmpV3AuthProtocol
	priv    gosnmp.SnmpV3PrivProtocol
	authKey []byte
	privKey []byte
	salt    *atomic.Uint64 // shared by every sender with these keys
}

// localise derives u's keys for engine (RFC 3414 2.6).
func localise(u snmp.User, engine []byte) (*usmKeys, error) {
	k := &usmKeys{engine: string(engine), flags: u.MsgFlags(), salt: new(atomic.Uint64)}
	sp := u.USM(string(engine))
	if err := sp.InitSecurityKeys(); err != nil {
		return nil, fmt.Errorf("localise the keys of user %q: %w", u.Name, err)
	}
	k.user, k.auth, k.priv = u.Name, sp.AuthenticationProtocol, sp.PrivacyProtocol
	k.authKey, k.privKey = sp.SecretKey, sp.PrivacyKey
	var seed [8]byte
	rand.Read(seed[:])
	k.salt.Store(binary.BigEndian.Uint64(seed[:]))
	return k, nil
}

// params returns the security parameters of one message: the keys, the
// engine's boots and time, and a fresh salt (RFC 3826 3.1.2.1; for DES the
// boots come first, RFC 3414 8.1.1.1).
func (k *usmKeys) params(boots, engineTime uint32) *gosnmp.UsmSecurityParameters {
	sp := &gosnmp.UsmSecurityParameters{
		AuthoritativeEngineID: k.engine, UserName: k.user,
		AuthoritativeEngineBoots: boots, AuthoritativeEngineTime: engineTime,
		AuthenticationProtocol: k.auth, PrivacyProtocol: k.priv,
		SecretKey: k.authKey, PrivacyKey: k.privKey,
	}
	if k.flags&gosnmp.AuthPriv == gosnmp.AuthPriv {
		n := k.salt.Add(1)
		salt := make([]byte, 8)
		if sp.PrivacyProtocol == gosnmp.DES {
			binary.BigEndian.PutUint32(salt, boots)
			binary.BigEndian.PutUint32(salt[4:], uint32(n))
		} else {
			binary.BigEndian.PutUint64(salt, n)
		}
		sp.PrivacyParameters = salt
	}
	return sp
}

// senderEngineID is the engine ID a v3 trap sender claims as its own when
// the user names none: net-snmp's enterprise with text format, then
// "pbxbench-" and the run id.
func senderEngineID(u snmp.User, run string) ([]byte, error) {
	if u.EngineID != "" && u.EngineID != "any" {
		id, err := hex.DecodeString(u.EngineID)
		if err != nil {
			return nil, fmt.Errorf("snmp-user engine %q: %w", u.EngineID, err)
		}
		return id, nil
	}
	return append([]byte{0x80, 0x00, 0x1f, 0x88, 0x04}, tokenPrefix+run...), nil
}

// trapBuilder builds the notifications of one run: MiVB alarm trap 301
// from one of the systems, at level 2 to 4, with the token. Safe for
// concurrent use.
type trapBuilder struct {
	proto     Proto
	run       string
	systems   []string
	community string
	keys      *usmKeys // v3
	start     time.Time
	// engine returns the authoritative engine's boots and time now: ours
	// for traps, the receiver's (as discovered) for informs.
	engine func() (boots, engineTime uint32)
	// v2c: one template per system and level, in which only the request
	// id and the token change from message to message.
	templates sync.Map // int -> *template
}

type template struct {
	pkt     []byte
	up      uint32 // its sysUpTime
	idAt    int    // offset of the request id's 4 octets
	tokenAt int
}

// Placeholders the templates are made with, found again in the encoding.
const placeholderID = 0x7fabcdef

var placeholderIDBER = []byte{0x02, 0x04, 0x7f, 0xab, 0xcd, 0xef}

func (b *trapBuilder) pduType() gosnmp.PDUType {
	if b.proto.Inform() {
		return gosnmp.InformRequest
	}
	return gosnmp.SNMPv2Trap
}

// build returns message seq's packet with request id (and v3 msgID) id,
// which must take 4 octets in BER (see requestID).
func (b *trapBuilder) build(seq int, sent time.Duration, id uint32) ([]byte, error) {
	if b.proto.V3() {
		return b.marshal(seq, appendToken(make([]byte, 0, tokenLen), b.run, seq, sent), id, uptime(sent))
	}
	key := seq%len(b.systems)*3 + seq%3
	t, ok := b.templates.Load(key)
	if !ok {
		var err error
		if t, err = b.template(seq); err != nil {
			return nil, err
		}
		b.templates.Store(key, t)
	}
	tp := t.(*template)
	out := bytes.Clone(tp.pkt)
	binary.BigEndian.PutUint32(out[tp.idAt:], id)
	appendToken(out[tp.tokenAt:tp.tokenAt], b.run, seq, sent)
	return out, nil
}

// template makes the v2c template for message seq's system and level.
func (b *trapBuilder) template(seq int) (*template, error) {
	token := appendToken(nil, b.run, 9999999999, 999999999999999)
	up := uptime(time.Since(b.start))
	pkt, err := b.marshal(seq, token, placeholderID, up)
	if err != nil {
		return nil, err
	}
	idAt := bytes.Index(pkt, placeholderIDBER)
	tokenAt := bytes.Index(pkt, token)
	if idAt < 0 || tokenAt < 0 {
		return nil, fmt.Errorf("encode %s: placeholders not found in the template", b.proto)
	}
	return &template{pkt: pkt, up: up, idAt: idAt + 2, tokenAt: tokenAt}, nil
}

// uptime is sysUpTime: hundredths of a second since the run began.
func uptime(d time.Duration) uint32 { return uint32(d / (10 * time.Millisecond)) }

// marshal encodes message seq with gosnmp.
func (b *trapBuilder) marshal(seq int, token []byte, id, up uint32) ([]byte, error) {
	p := &gosnmp.SnmpPacket{
		PDUType:   b.pduType(),
		RequestID: id,
		Variables: []gosnmp.SnmpPDU{
			{Name: "." + mivb.OIDSysUpTime, Type: gosnmp.TimeTicks, Value: up},
			{Name: "." + mivb.OIDSnmpTrapOID, Type: gosnmp.ObjectIdentifier, Value: "." + mivb.OIDTrapAlarm},
			{Name: "." + mivb.OIDSysName, Type: gosnmp.OctetString, Value: b.systems[seq%len(b.systems)]},
			{Name: "." + mivb.OIDAlmLevel, Type: gosnmp.Integer, Value: 2 + seq%3},
			{Name: "." + mivb.OIDAlmNbrCategories, Type: gosnmp.Integer, Value: 1},
			{Name: "." + TokenOID, Type: gosnmp.OctetString, Value: token},
		},
	}
	if b.proto.V3() {
		boots, t := b.engine()
		p.Version, p.SecurityModel, p.MsgID = gosnmp.Version3, gosnmp.UserSecurityModel, id
		p.MsgFlags = b.keys.flags
		if b.proto.Inform() {
			p.MsgFlags |= gosnmp.Reportable
		}
		p.SecurityParameters = b.keys.params(boots, t)
		p.ContextEngineID = b.keys.engine
	} else {
		p.Version, p.Community = gosnmp.Version2c, b.community
	}
	out, err := p.MarshalMsg()
	if err != nil {
		return nil, fmt.Errorf("encode %s %d: %w", b.proto, seq, err)
	}
	return out, nil
}
