package snmp

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/mivb"
)

// v3Sender is how a net-snmp tool authenticates.
type v3Sender struct {
	user, level, auth, authPass, priv, privPass string
}

func (s v3Sender) args() []string {
	a := []string{"-v", "3", "-u", s.user, "-l", s.level}
	if s.auth != "" {
		a = append(a, "-a", s.auth, "-A", s.authPass)
	}
	if s.priv != "" {
		a = append(a, "-x", s.priv, "-X", s.privPass)
	}
	return a
}

var (
	authNoPrivSHA = v3Sender{user: authUser, level: "authNoPriv", auth: "SHA", authPass: authPass}
	authPrivSHA   = v3Sender{user: privUser, level: "authPriv", auth: "SHA", authPass: authPass, priv: "AES", privPass: privPass}
)

// alarmArgs are snmptrap/snmpinform arguments after the credentials: a
// v2-style trap 301 at level critical.
func alarmArgs(target string) []string {
	return append([]string{target, "", mivb.OIDTrapAlarm}, alarmTrap(4, events.SeverityCritical).varbinds...)
}

func TestReceiver_AcceptsV3TrapsAtEveryProtocol(t *testing.T) {
	for _, tc := range []struct {
		name   string
		user   string // for ParseUser
		sender v3Sender
	}{
		{"noAuthNoPriv", "plain:none::none:@any", v3Sender{user: "plain", level: "noAuthNoPriv"}},
		{"authNoPriv SHA", authUser + ":SHA:" + authPass + ":none:@any", authNoPrivSHA},
		{"authPriv SHA AES", privUser + ":SHA:" + authPass + ":AES:" + privPass + "@any", authPrivSHA},
		{"authPriv MD5 DES", "u1:MD5:" + authPass + ":DES:" + privPass + "@any",
			v3Sender{"u1", "authPriv", "MD5", authPass, "DES", privPass}},
		{"authPriv SHA-224 AES-192", "u2:SHA-224:" + authPass + ":AES-192:" + privPass + "@" + senderEngine,
			v3Sender{"u2", "authPriv", "SHA-224", authPass, "AES-192", privPass}},
		{"authPriv SHA-256 AES-256", "u3:sha256:" + authPass + ":aes256:" + privPass + "@" + senderEngine,
			v3Sender{"u3", "authPriv", "SHA-256", authPass, "AES-256", privPass}},
		{"authPriv SHA-384 AES", "u4:SHA-384:" + authPass + ":AES:" + privPass + "@any",
			v3Sender{"u4", "authPriv", "SHA-384", authPass, "AES", privPass}},
		{"authPriv SHA-512 AES-256", "u5:SHA-512:" + authPass + ":AES-256:" + privPass + "@any",
			v3Sender{"u5", "authPriv", "SHA-512", authPass, "AES-256", privPass}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseUser(tc.user)
			require.NoError(t, err)
			c := newCollector()
			r := serve(t, c, WithUser(u))
			args := append(tc.sender.args(), "-e", senderEngine)
			out, err := run(t, "snmptrap", append(args, alarmArgs(target(r))...)...)
			require.NoError(t, err, out)
			n := c.next(t)
			assert.Equal(t, "3", n.SNMP.Version)
			assert.Equal(t, "trap", n.SNMP.PDU)
			assert.Equal(t, tc.sender.user, n.SNMP.User)
			assert.Equal(t, mivb.OIDTrapAlarm, n.SNMP.TrapOID)
			assert.Equal(t, "MIVB-HQ", n.SysName)
			require.NotNil(t, n.SNMP.AlarmLevel)
			assert.Equal(t, 4, *n.SNMP.AlarmLevel)
			assert.True(t, n.SNMP.LevelAmbiguous)
			assert.Contains(t, string(n.Identity), tc.sender.user, "the v3 identity holds the user")
			assert.NotContains(t, string(n.Identity), authPass)
			engine, _ := hex.DecodeString(senderEngine)
			assert.Contains(t, string(n.Identity), string(engine), "and the sender's engine ID")
		})
	}
}

func TestReceiver_RejectsV3TrapsThatFailUSM(t *testing.T) {
	boundUser := "bound:SHA:" + authPass + ":AES:" + privPass + "@" + "80000000010a0b0c0d"
	for _, tc := range []struct {
		name   string
		sender v3Sender
		reason string
	}{
		{"wrong auth passphrase", v3Sender{authUser, "authNoPriv", "SHA", "wrong-pass-1", "", ""}, ReasonAuthFailure},
		{"wrong priv passphrase", v3Sender{privUser, "authPriv", "SHA", authPass, "AES", "wrong-pass-2"}, ReasonAuthFailure},
		{"wrong auth protocol", v3Sender{authUser, "authNoPriv", "MD5", authPass, "", ""}, ReasonAuthFailure},
		{"below the user's level", v3Sender{privUser, "authNoPriv", "SHA", authPass, "", ""}, ReasonAuthFailure},
		{"unauthenticated", v3Sender{authUser, "noAuthNoPriv", "", "", "", ""}, ReasonAuthFailure},
		{"unknown user", v3Sender{"nobody", "authNoPriv", "SHA", authPass, "", ""}, ReasonUnknownUser},
		{"user of another engine", v3Sender{"bound", "authPriv", "SHA", authPass, "AES", privPass}, ReasonUnknownEngine},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseUser(boundUser)
			require.NoError(t, err)
			c := newCollector()
			r := serve(t, c, append(testUsers(t), WithUser(u))...)
			args := append(tc.sender.args(), "-e", senderEngine)
			out, err := run(t, "snmptrap", append(args, alarmArgs(target(r))...)...)
			require.NoError(t, err, out)
			eventually(t, func() bool { return r.Stats().Rejected(tc.reason) == 1 }, tc.reason)
			c.none(t)
			assert.Zero(t, r.Stats().Accepted())
			// Still serving: a good trap from the same tool gets through.
			args = append(authPrivSHA.args(), "-e", senderEngine)
			out, err = run(t, "snmptrap", append(args, alarmArgs(target(r))...)...)
			require.NoError(t, err, out)
			c.next(t)
		})
	}
}

// net-snmp's AES-192 and AES-256 extend the key as draft-blumenthal-aes-usm
// says; a user configured for the Reeder extension (AES-256-C, as Cisco
// uses) cannot read its traps. This pins down which name is which.
func TestReceiver_AES256KeyExtensionMustMatchTheSender(t *testing.T) {
	u, err := ParseUser("ext:SHA:" + authPass + ":AES-256-C:" + privPass + "@any")
	require.NoError(t, err)
	c := newCollector()
	r := serve(t, c, WithUser(u))
	args := append(v3Sender{"ext", "authPriv", "SHA", authPass, "AES-256", privPass}.args(), "-e", senderEngine)
	out, err := run(t, "snmptrap", append(args, alarmArgs(target(r))...)...)
	require.NoError(t, err, out)
	eventually(t, func() bool { return r.Stats().Rejected(ReasonAuthFailure) == 1 }, "auth_failure")
	c.none(t)
}
