package publish

import (
	"testing"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testcert"
)

// Check reads every file a connection names, as Connect would, and says
// which one does not do.
func TestConnConfig_CheckReadsTheFiles(t *testing.T) {
	acc, err := nkeys.CreateAccount()
	require.NoError(t, err)
	user, err := nkeys.CreateUser()
	require.NoError(t, err)
	userPub, _ := user.PublicKey()
	userSeed, _ := user.Seed()
	userJWT, err := jwt.NewUserClaims(userPub).Encode(acc)
	require.NoError(t, err)
	creds, err := jwt.FormatUserConfig(userJWT, userSeed)
	require.NoError(t, err)
	credsFile := writeFile(t, "user.creds", string(creds))
	seedFile := writeFile(t, "user.nk", string(userSeed))
	junk := writeFile(t, "junk", "not a key, not a certificate\n")
	certs := testcert.New(t)

	for _, tc := range []struct {
		name string
		cfg  ConnConfig
		want string // "" for no error
	}{
		{"nothing to read", ConnConfig{}, ""},
		{"credentials", ConnConfig{CredsFile: credsFile}, ""},
		{"NKey seed", ConnConfig{NKeyFile: seedFile}, ""},
		{"CA and client certificate", ConnConfig{TLSCA: certs.CertFile, TLSCert: certs.CertFile, TLSKey: certs.KeyFile}, ""},
		{"credentials missing", ConnConfig{CredsFile: credsFile + ".gone"}, "no such file"},
		{"credentials without a JWT", ConnConfig{CredsFile: seedFile}, "user JWT"},
		{"NKey seed that is none", ConnConfig{NKeyFile: junk}, "NKeyFile"},
		{"CA that is none", ConnConfig{TLSCA: junk}, "root certificate"},
		{"client key that does not match", ConnConfig{TLSCert: certs.CertFile, TLSKey: testcert.New(t).KeyFile}, "private key does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Check()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
