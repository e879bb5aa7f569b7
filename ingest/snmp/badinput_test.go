package snmp

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ber builds one BER element with a minimal length.
func ber(tag byte, parts ...[]byte) []byte {
	c := bytes.Join(parts, nil)
	var l []byte
	switch n := len(c); {
	case n < 0x80:
		l = []byte{byte(n)}
	case n < 0x100:
		l = []byte{0x81, byte(n)}
	default:
		l = []byte{0x82, byte(n >> 8), byte(n)}
	}
	return append(append([]byte{tag}, l...), c...)
}

func berInt(n int) []byte {
	if n < 0x80 {
		return ber(tagInteger, []byte{byte(n)})
	}
	return ber(tagInteger, []byte{0, byte(n >> 8), byte(n)})
}

func octets(b []byte) []byte { return ber(tagOctetString, b) }

// v3Msg is an SNMPv3 message built field by field, so that each field can
// be made wrong.
type v3Msg struct {
	flags      []byte
	model      int
	engineID   []byte
	user       []byte
	authParams []byte
	secParams  []byte // replaces the encoded UsmSecurityParameters when set
	data       []byte // msgData; an empty plaintext scopedPDU by default
}

func (m v3Msg) encode() []byte {
	sec := m.secParams
	if sec == nil {
		sec = ber(tagSequence, octets(m.engineID), berInt(1), berInt(10), octets(m.user), octets(m.authParams), octets(nil))
	}
	data := m.data
	if data == nil {
		data = ber(tagSequence, octets(nil), octets(nil), ber(0xa0, berInt(7), berInt(0), berInt(0), ber(tagSequence)))
	}
	return ber(tagSequence, berInt(3), ber(tagSequence, berInt(99), berInt(1500), octets(m.flags), berInt(m.model)), octets(sec), data)
}

func goodV3() v3Msg {
	engine, _ := hex.DecodeString(senderEngine)
	return v3Msg{flags: []byte{flagAuth}, model: usmModel, engineID: engine, user: []byte(authUser), authParams: make([]byte, 12)}
}

func TestReceiver_CountsBadInputAndKeepsServing(t *testing.T) {
	trap := readCase(t, "v2c-coldstart")
	get := readCase(t, "v2c-get-request")
	random := make([]byte, 300)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	random[0] = 0x31 // never a SEQUENCE
	v1Inform := bytes.Clone(readCase(t, "v1-coldstart"))
	v1Inform[bytes.IndexByte(v1Inform, tagTrapV1)] = tagInform

	mutate := func(f func(*v3Msg)) []byte {
		m := goodV3()
		f(&m)
		return m.encode()
	}
	cases := []struct {
		name   string
		pkt    []byte
		reason string
	}{
		{"empty datagram", []byte{}, ReasonMalformed},
		{"random bytes", random, ReasonMalformed},
		{"truncated trap", trap[:len(trap)/2], ReasonMalformed},
		{"bytes after the message", append(bytes.Clone(trap), 0, 0), ReasonMalformed},
		{"indefinite length", append([]byte{0x30, 0x80}, trap[2:]...), ReasonMalformed},
		{"SNMP version 2", ber(tagSequence, berInt(2), octets([]byte(testCommunity)), ber(tagTrapV2)), ReasonMalformed},
		{"oversize", append(bytes.Clone(trap), make([]byte, 20000)...), ReasonOversize},
		{"GetRequest", get, ReasonNotANotification},
		{"v1 message with an inform PDU", v1Inform, ReasonNotANotification},
		{"v3 security parameters longer than the packet", mutate(func(m *v3Msg) {
			m.secParams = []byte{0x30, 0x7f, 0x04, 0x00}
		}), ReasonMalformed},
		{"v3 msgFlags of two octets", mutate(func(m *v3Msg) { m.flags = []byte{1, 0} }), ReasonMalformed},
		{"v3 engine ID of three octets", mutate(func(m *v3Msg) { m.engineID = []byte{1, 2, 3} }), ReasonMalformed},
		{"v3 user name of forty octets", mutate(func(m *v3Msg) { m.user = bytes.Repeat([]byte("u"), 40) }), ReasonMalformed},
		{"v3 security model 2", mutate(func(m *v3Msg) { m.model = 2 }), ReasonMalformed},
		{"v3 privacy without authentication", mutate(func(m *v3Msg) { m.flags = []byte{flagPriv} }), ReasonMalformed},
		{"v3 msgData neither plain nor encrypted", mutate(func(m *v3Msg) { m.data = berInt(5) }), ReasonMalformed},
		{"v3 digest of ten octets", mutate(func(m *v3Msg) { m.authParams = make([]byte, 10) }), ReasonAuthFailure},
		{"v3 digest of zeros", goodV3().encode(), ReasonAuthFailure},
		{"v3 no engine ID, not reportable", mutate(func(m *v3Msg) { m.engineID, m.user, m.flags = nil, nil, []byte{0} }), ReasonUnknownEngine},
		{"v3 unknown engine, reportable", mutate(func(m *v3Msg) {
			m.flags, m.user = []byte{flagReportable}, []byte("bound")
		}), ReasonUnknownEngine},
	}
	u, err := ParseUser("bound:none::none:@80000000010a0b0c0d")
	require.NoError(t, err)
	c := newCollector()
	r := serve(t, c, append(testUsers(t), WithCommunity(testCommunity), WithUser(u))...)
	want := map[string]uint64{}
	for _, tc := range cases {
		send(t, r, tc.pkt)
		want["rejected_"+tc.reason]++
	}
	eventually(t, func() bool { return r.Stats().Snapshot()["received"] == uint64(len(cases)) }, "every datagram read")
	eventually(t, func() bool {
		var n uint64
		for _, reason := range reasons {
			n += r.Stats().Rejected(reason)
		}
		return n == uint64(len(cases))
	}, "every datagram rejected")
	st := r.Stats().Snapshot()
	for k, v := range want {
		assert.Equal(t, v, st[k], k)
	}
	assert.EqualValues(t, 1, st["reports_sent"], "the reportable message for an unknown engine got a Report")
	c.none(t)

	send(t, r, trap)
	n := c.next(t)
	assert.Equal(t, "2c", n.SNMP.Version, "still serving after the bad input")
}

// Each bad packet, one at a time, to know which rejection it causes.
func TestDecode_RejectsEachBadV3Field(t *testing.T) {
	dec := testDecoder(t)
	for _, tc := range []struct {
		name   string
		msg    func(*v3Msg)
		reason string
	}{
		{"unknown user", func(m *v3Msg) { m.user = []byte("nobody") }, ReasonUnknownUser},
		{"authNoPriv for a privacy user", func(m *v3Msg) { m.user = []byte(privUser) }, ReasonAuthFailure},
		{"noAuthNoPriv for an auth user", func(m *v3Msg) { m.flags = []byte{0} }, ReasonAuthFailure},
		{"authPriv for an auth-only user", func(m *v3Msg) { m.flags = []byte{flagAuth | flagPriv} }, ReasonAuthFailure},
		{"engine ID of 33 octets", func(m *v3Msg) { m.engineID = make([]byte, 33) }, ReasonMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := goodV3()
			tc.msg(&m)
			o := dec.decode(m.encode(), goldenPeer, goldenNow)
			require.NotNil(t, o.rej)
			assert.Equal(t, tc.reason, o.rej.reason, o.rej.err)
			assert.Nil(t, o.n)
		})
	}
}

func readCase(t testing.TB, name string) []byte {
	t.Helper()
	return loadPacket(t, decodeCases+"/"+name)
}
