package emulator

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// selfSigned makes a certificate for 127.0.0.1 and returns the server's
// TLS configuration and the certificate's PEM file.
func selfSigned(t *testing.T) (*tls.Config, string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test receiver"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, path
}

func TestRun_SyslogOverTLS(t *testing.T) {
	serverConf, caFile := selfSigned(t)
	sc := mustParse(t, smallScenario)
	names, err := Systems(sc)
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		targets func(addr string) Targets
		ok      bool
	}{
		{"trusting the given CA", func(a string) Targets { return Targets{Syslog: []string{"tls://" + a}, TLSCA: caFile} }, true},
		{"skipping verification", func(a string) Targets { return Targets{Syslog: []string{"tls://" + a}, TLSInsecure: true} }, true},
		{"refusing an unknown CA", func(a string) Targets { return Targets{Syslog: []string{"tls://" + a}} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rx := serveTCP(t, tls.NewListener(listenOn(t, "127.0.0.1:0"), serverConf))
			tg := tc.targets(rx.addr())
			want, err := Expect(sc, tg)
			require.NoError(t, err)
			sum, err := Run(context.Background(), sc, tg, WithInstant())
			require.NoError(t, err)
			if !tc.ok {
				assert.Zero(t, sum.Sent.Syslog)
				assert.Equal(t, len(want), sum.Failed.Syslog)
				return
			}
			assert.Equal(t, len(want), sum.Sent.Syslog)
			waitFor(t, "every frame", func() bool {
				n := 0
				for _, s := range rx.all() {
					n += len(splitOctets(t, s.data))
				}
				return n == len(want)
			})
			for _, s := range rx.all() {
				for _, f := range splitOctets(t, s.data) {
					checkMessage(t, FormatRFC3164, names, s.from.Addr().String(), f)
				}
			}
		})
	}
}
