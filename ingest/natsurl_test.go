package ingest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitNATSURLs(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		auth           natsAuth
	}{
		{"plain", "nats://n1:4222", "nats://n1:4222", natsAuth{}},
		{"several", "nats://n1:4222, tls://n2:4222", "nats://n1:4222,tls://n2:4222", natsAuth{}},
		{"user and password", "nats://pbx:s3cr3t@n1:4222", "nats://n1:4222", natsAuth{user: "pbx", password: "s3cr3t"}},
		{"token", "nats://s3cr3t-token@n1:4222", "nats://n1:4222", natsAuth{token: "s3cr3t-token"}},
		{"escaped password", "nats://pbx:p%40ss%3Aw@n1:4222", "nats://n1:4222", natsAuth{user: "pbx", password: "p@ss:w"}},
		{"in the first only", "nats://pbx:s3cr3t@n1:4222,nats://n2:4222", "nats://n1:4222,nats://n2:4222",
			natsAuth{user: "pbx", password: "s3cr3t"}},
		{"the same in each", "nats://pbx:s3cr3t@n1,nats://pbx:s3cr3t@n2", "nats://n1,nats://n2",
			natsAuth{user: "pbx", password: "s3cr3t"}},
		{"no scheme", "pbx:s3cr3t@n1:4222", "nats://n1:4222", natsAuth{user: "pbx", password: "s3cr3t"}},
		{"ipv6", "nats://pbx:s3cr3t@[::1]:4222", "nats://[::1]:4222", natsAuth{user: "pbx", password: "s3cr3t"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, auth, err := splitNATSURLs(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.auth, auth)
		})
	}
}

// Bad URLs are refused without the secret in the message.
func TestSplitNATSURLs_ErrorsNeverQuoteTheSecret(t *testing.T) {
	for _, in := range []string{
		"nats://pbx:s3cr3t@n1:4222,",
		"nats://pbx:s3cr3t@n1:4222,nats://other:s3cr3t-2@n2:4222",
		"nats://pbx:s3cr3t@n1:4222,nats://s3cr3t-token@n2:4222",
		"nats://pbx:s3cr3t@n1:bad port",
		"nats://pbx:s3cr3t%zz@n1:4222",
		"nats://:s3cr3t@n1:4222",
	} {
		_, _, err := splitNATSURLs(in)
		require.Error(t, err, in)
		assert.NotContains(t, err.Error(), "s3cr3t", in)
	}
}

func TestRedactURLs(t *testing.T) {
	for in, want := range map[string]string{
		"nats://n1:4222":                           "nats://n1:4222",
		"nats://pbx:s3cr3t@n1:4222":                "nats://redacted@n1:4222",
		"nats://s3cr3t-token@n1:4222":              "nats://redacted@n1:4222",
		"pbx:s3cr3t@n1:4222":                       "redacted@n1:4222",
		"nats://a:b@n1,tls://n2,nats://c@n3":       "nats://redacted@n1,tls://n2,nats://redacted@n3",
		"ws://n1:8080/path@x":                      "ws://n1:8080/path@x",
		"nats://pbx:p@ss@n1:4222":                  "nats://redacted@n1:4222",
		"nats://pbx:s3cr3t@n1:bad port, nats://n2": "nats://redacted@n1:bad port, nats://n2",
	} {
		assert.Equal(t, want, RedactURLs(in), in)
	}
}

func TestNATSConnConfig(t *testing.T) {
	cc, err := NATSConnConfig("nats://pbx:s3cr3t@n1:4222")
	require.NoError(t, err)
	assert.Equal(t, "nats://n1:4222", cc.URLs)
	assert.Equal(t, "pbx", cc.User)
	assert.Equal(t, "s3cr3t", cc.Password)
	cc, err = NATSConnConfig("nats://tok@n1:4222")
	require.NoError(t, err)
	assert.Equal(t, "tok", cc.Token)
	cc, err = NATSConnConfig("")
	require.NoError(t, err)
	assert.Empty(t, cc.URLs)
}
