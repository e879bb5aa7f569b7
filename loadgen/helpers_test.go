package loadgen

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/ingest"
	"github.com/pbxalarm/pbxalarm/ingest/snmp"
)

const (
	testCommunity = "bench-community"
	testUser      = "benchops:SHA:auth-pass-1:AES:priv-pass-1@any"
)

// service is a real pbxalarm ingester on loopback ports with its embedded
// NATS, and a JetStream client of that NATS.
type service struct {
	addrs ingest.Addrs
	ca    string // PEM file of the CA that signed the syslog TLS certificate
	js    jetstream.JetStream
}

func startService(t *testing.T) *service {
	t.Helper()
	dir := t.TempDir()
	ca, cert, key := writeCerts(t, dir)
	cfg := ingest.Defaults()
	cfg.SyslogUDP, cfg.SyslogTCP, cfg.SyslogTLS = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.TLSCert, cfg.TLSKey = cert, key
	cfg.SNMPUDP = "127.0.0.1:0"
	cfg.SNMPCommunities = []string{testCommunity}
	u, err := snmp.ParseUser(testUser)
	require.NoError(t, err)
	cfg.SNMPUsers = []snmp.User{u}
	cfg.HTTP, cfg.Metrics, cfg.Track = ingest.Off, ingest.Off, false
	cfg.NATSListen, cfg.DataDir = "127.0.0.1:0", dir
	cfg.ShutdownTimeout = 20 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := ingest.New(ctx, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(60 * time.Second):
			t.Error("service did not stop")
		}
	})
	nc, err := nats.Connect(svc.Addrs().NATS)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return &service{addrs: svc.Addrs(), ca: ca, js: js}
}

// target is the service's address for proto.
func (s *service) target(p Proto) string {
	switch {
	case p == UDP:
		return s.addrs.SyslogUDP.String()
	case p == TCP:
		return s.addrs.SyslogTCP.String()
	case p == TLS:
		return s.addrs.SyslogTLS.String()
	}
	return s.addrs.SNMP.String()
}

// config is a small run of proto against s.
func (s *service) config(t *testing.T, p Proto, count int) Config {
	t.Helper()
	c := Defaults(p)
	c.Target, c.Count, c.Connections = s.target(p), count, 2
	c.Community, c.TLSCA = testCommunity, s.ca
	u, err := snmp.ParseUser(testUser)
	require.NoError(t, err)
	c.User = u
	c.Duration, c.Wait = time.Minute, time.Minute
	c.ValidateEvery = 1 // every event the tests produce must be valid
	return c
}

// writeCerts writes a CA and a server certificate for 127.0.0.1 that it
// signed, and returns the files' paths.
func writeCerts(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600))
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", der), write("server.key", "EC PRIVATE KEY", keyDER)
}
