package snmp

import (
	"fmt"
	"testing"

	"github.com/gosnmp/gosnmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseUser(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want User
	}{
		{"ops:SHA:secret123:AES:secret456@any", User{"ops", AuthSHA, "secret123", PrivAES, "secret456", "any"}},
		{"mon:none::none:@any", User{"mon", AuthNone, "", PrivNone, "", "any"}},
		{"a:md5:12345678:des:abcdefgh@80000000010A0B0C0D", User{"a", AuthMD5, "12345678", PrivDES, "abcdefgh", "80000000010a0b0c0d"}},
		{"b:sha256:12345678:aes256c:pass:with@at@any", User{"b", AuthSHA256, "12345678", PrivAES256C, "pass:with@at", "any"}},
		{"c:SHA-512:12345678:AES-192:abcdefgh@", User{"c", AuthSHA512, "12345678", PrivAES192, "abcdefgh", "any"}},
		{"d:sha:12345678:aes128:abcdefgh@any", User{"d", AuthSHA, "12345678", PrivAES, "abcdefgh", "any"}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			u, err := ParseUser(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, u)
		})
	}
}

// A sender's USM parameters and security level follow the user's
// protocols, in gosnmp's terms.
func TestUser_USMAndMsgFlags(t *testing.T) {
	for _, tc := range []struct {
		user  string
		flags gosnmp.SnmpV3MsgFlags
		auth  gosnmp.SnmpV3AuthProtocol
		priv  gosnmp.SnmpV3PrivProtocol
	}{
		{"mon:none::none:@any", gosnmp.NoAuthNoPriv, gosnmp.NoAuth, gosnmp.NoPriv},
		{"a:md5:12345678:none:@any", gosnmp.AuthNoPriv, gosnmp.MD5, gosnmp.NoPriv},
		{"ops:SHA:secret123:AES:secret456@any", gosnmp.AuthPriv, gosnmp.SHA, gosnmp.AES},
		{"b:sha512:12345678:aes256c:abcdefgh@any", gosnmp.AuthPriv, gosnmp.SHA512, gosnmp.AES256C},
	} {
		t.Run(tc.user, func(t *testing.T) {
			u, err := ParseUser(tc.user)
			require.NoError(t, err)
			assert.Equal(t, tc.flags, u.MsgFlags())
			p := u.USM("engine")
			assert.Equal(t, "engine", p.AuthoritativeEngineID)
			assert.Equal(t, u.Name, p.UserName)
			assert.Equal(t, tc.auth, p.AuthenticationProtocol)
			assert.Equal(t, u.AuthPass, p.AuthenticationPassphrase)
			assert.Equal(t, tc.priv, p.PrivacyProtocol)
			assert.Equal(t, u.PrivPass, p.PrivacyPassphrase)
		})
	}
}

func TestParseUser_RejectsBadUsers(t *testing.T) {
	for _, tc := range []struct{ in, field string }{
		{"ops:SHA:secret123:AES:secret456", "want NAME"},
		{"ops:SHA:secret123@any", "want NAME"},
		{":SHA:secret123:AES:secret456@any", "name"},
		{"ops:SHA1:secret123:none:@any", "auth"},
		{"ops:SHA:secret123:3DES:secret456@any", "priv"},
		{"ops:SHA:short:none:@any", "auth_pass"},
		{"ops:none:secret123:none:@any", "auth_pass"},
		{"ops:SHA:secret123:AES:short@any", "priv_pass"},
		{"ops:none::AES:secret456@any", "priv needs auth"},
		{"ops:SHA:secret123:none:@8000", "engine_id"},
		{"ops:SHA:secret123:none:@not-hex-at-all", "engine_id"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseUser(tc.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.field)
			assert.NotContains(t, err.Error(), "secret", "errors never show a passphrase")
		})
	}
}

func TestUser_NeverPrintsPassphrases(t *testing.T) {
	u, err := ParseUser("ops:SHA:secret123:AES:secret456@any")
	require.NoError(t, err)
	for _, s := range []string{u.String(), fmt.Sprint(u), fmt.Sprintf("%v %+v %#v", u, u, u), u.LogValue().String()} {
		assert.NotContains(t, s, "secret")
		assert.Contains(t, s, "ops")
	}
}

func TestListen_RejectsBadConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"user without passphrase", []Option{WithUser(User{Name: "x", Auth: AuthSHA})}},
		{"same user twice for one engine", []Option{WithUser(User{Name: "x"}), WithUser(User{Name: "x", EngineID: "any"})}},
		{"engine ID too short", []Option{WithEngineID([]byte{1, 2})}},
		{"community too long", []Option{WithCommunity(string(make([]byte, 200)))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Listen("127.0.0.1:0", newCollector(), tc.opts...)
			assert.Error(t, err)
		})
	}
}
