package snmp

import (
	"encoding/asn1"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
)

// The hand-written DER of the v3 identity must be what encoding/asn1
// marshals, byte for byte: event ids of v3 notifications depend on it.
func TestIdentityV3_SameBytesAsEncodingASN1(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	text := func(maxLen int) string {
		switch r.IntN(6) {
		case 0:
			return ""
		case 1:
			return strings.Repeat("x", r.IntN(70000)) // long forms of the length
		case 2:
			return "é 中文 🙂"
		}
		b := make([]byte, r.IntN(maxLen+1))
		for i := range b {
			b[i] = byte(' ' + r.IntN(95))
		}
		return string(b)
	}
	bytesOf := func() []byte {
		if r.IntN(4) == 0 {
			return nil
		}
		b := make([]byte, r.IntN(300))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return b
	}
	for i := range 3000 {
		var vbs []events.Varbind
		if r.IntN(5) > 0 {
			vbs = make([]events.Varbind, r.IntN(6))
			for j := range vbs {
				vbs[j] = events.Varbind{OID: text(40), Type: text(12), Value: text(200)}
			}
		}
		if i%50 == 0 && len(vbs) > 0 {
			vbs[0].Value = "bad \xff utf8" // written as it is, as asn1 does
		}
		engineID, user := bytesOf(), bytesOf()
		reqID := []uint32{0, 1, 127, 128, 255, 256, 0x7fffffff, 0x80000000, 0xffffffff, r.Uint32()}[r.IntN(10)]

		v := identityV3Value{EngineID: engineID, User: user, RequestID: int64(reqID), Varbinds: make([]identityVarbind, len(vbs))}
		for j, x := range vbs {
			v.Varbinds[j] = identityVarbind{x.OID, x.Type, x.Value}
		}
		want, err := asn1.Marshal(v)
		require.NoError(t, err)
		require.Equal(t, want, appendIdentityV3(nil, engineID, user, reqID, vbs))
		require.Equal(t, want, identityV3(engineID, user, reqID, vbs))
	}
}
