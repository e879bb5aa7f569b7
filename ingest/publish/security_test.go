package publish

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testcert"
	"github.com/pbxalarm/pbxalarm/internal/testnats"
)

// Connecting to a real nats-server that demands TLS with a client
// certificate and NKey or JWT-credentials authentication: Connect's
// settings get a JetStream PubAck; without them the server refuses.

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
	return p
}

// publishOnce requires one JetStream publish over cfg to be acknowledged.
func publishOnce(t *testing.T, cfg ConnConfig) {
	t.Helper()
	nc, err := Connect(cfg, quiet())
	require.NoError(t, err)
	defer nc.Close()
	require.Eventually(t, nc.IsConnected, 10*time.Second, 20*time.Millisecond, "never connected")
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = EnsureStream(ctx, js, StreamConfig{})
	require.NoError(t, err)
	ack, err := js.Publish(ctx, "pbx.secure.log.info", []byte("hello"), jetstream.WithMsgID(t.Name()))
	require.NoError(t, err)
	require.Equal(t, DefaultStreamName, ack.Stream)
}

// refused requires that a connection with cfg never comes up.
func refused(t *testing.T, cfg ConnConfig) {
	t.Helper()
	nc, err := Connect(cfg, quiet())
	if err != nil {
		return // refused at once
	}
	defer nc.Close()
	require.Never(t, nc.IsConnected, 2*time.Second, 50*time.Millisecond, "the server let in a client it must refuse")
}

func TestConnect_TLSWithClientCertificateAndNKey(t *testing.T) {
	certs := testcert.New(t)
	user, err := nkeys.CreateUser()
	require.NoError(t, err)
	pub, err := user.PublicKey()
	require.NoError(t, err)
	seed, err := user.Seed()
	require.NoError(t, err)
	seedFile := writeFile(t, "user.nk", string(seed))
	other, err := nkeys.CreateUser()
	require.NoError(t, err)
	otherSeed, err := other.Seed()
	require.NoError(t, err)

	np := testnats.New(t)
	np.Conf = fmt.Sprintf(`
tls { cert_file: %q, key_file: %q, ca_file: %q, verify: true }
authorization { users = [ { nkey: %q } ] }
`, certs.CertFile, certs.KeyFile, certs.CertFile, pub)
	np.ReadyOptions = []nats.Option{nats.RootCAs(certs.CertFile), nats.ClientCert(certs.CertFile, certs.KeyFile), nkeyOption(t, seedFile)}
	np.Start()

	good := ConnConfig{URLs: np.URL(), NKeyFile: seedFile, TLSCA: certs.CertFile, TLSCert: certs.CertFile, TLSKey: certs.KeyFile}
	publishOnce(t, good)

	noCert := good
	noCert.TLSCert, noCert.TLSKey = "", ""
	refused(t, noCert)
	wrongKey := good
	wrongKey.NKeyFile = writeFile(t, "other.nk", string(otherSeed))
	refused(t, wrongKey)
}

func nkeyOption(t *testing.T, seedFile string) nats.Option {
	o, err := nats.NkeyOptionFromSeed(seedFile)
	require.NoError(t, err)
	return o
}

func TestConnect_CredentialsFile(t *testing.T) {
	op, err := nkeys.CreateOperator()
	require.NoError(t, err)
	opPub, _ := op.PublicKey()
	acc, err := nkeys.CreateAccount()
	require.NoError(t, err)
	accPub, _ := acc.PublicKey()
	sys, err := nkeys.CreateAccount()
	require.NoError(t, err)
	sysPub, _ := sys.PublicKey()
	user, err := nkeys.CreateUser()
	require.NoError(t, err)
	userPub, _ := user.PublicKey()
	userSeed, _ := user.Seed()

	oc := jwt.NewOperatorClaims(opPub)
	oc.SystemAccount = sysPub
	opJWT, err := oc.Encode(op)
	require.NoError(t, err)
	ac := jwt.NewAccountClaims(accPub)
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
	accJWT, err := ac.Encode(op)
	require.NoError(t, err)
	sysJWT, err := jwt.NewAccountClaims(sysPub).Encode(op)
	require.NoError(t, err)
	uc := jwt.NewUserClaims(userPub)
	userJWT, err := uc.Encode(acc)
	require.NoError(t, err)
	creds, err := jwt.FormatUserConfig(userJWT, userSeed)
	require.NoError(t, err)
	credsFile := writeFile(t, "pbxalarm.creds", string(creds))

	np := testnats.New(t)
	np.Conf = fmt.Sprintf(`
operator: %q
system_account: %q
resolver: MEMORY
resolver_preload: { %s: %q, %s: %q }
`, opJWT, sysPub, accPub, accJWT, sysPub, sysJWT)
	np.ReadyOptions = []nats.Option{nats.UserCredentials(credsFile)}
	np.Start()

	publishOnce(t, ConnConfig{URLs: np.URL(), CredsFile: credsFile})

	stranger, err := nkeys.CreateUser()
	require.NoError(t, err)
	strangerPub, _ := stranger.PublicKey()
	strangerSeed, _ := stranger.Seed()
	unknown, err := nkeys.CreateAccount()
	require.NoError(t, err)
	strangerJWT, err := jwt.NewUserClaims(strangerPub).Encode(unknown) // an account the operator never signed
	require.NoError(t, err)
	bad, err := jwt.FormatUserConfig(strangerJWT, strangerSeed)
	require.NoError(t, err)
	refused(t, ConnConfig{URLs: np.URL(), CredsFile: writeFile(t, "stranger.creds", string(bad))})
}
