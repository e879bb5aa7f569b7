package ingest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testcert"
)

// A renewed syslog TLS certificate is taken up by Reload without a
// restart: the next handshake presents it and the expiry metric follows
// it. Files that do not load leave it in use and count as a failed reload.
func TestService_ReloadTakesUpARenewedTLSCertificate(t *testing.T) {
	first := testcert.NewUntil(t, time.Now().Add(48*time.Hour).Truncate(time.Second))
	renewed := testcert.NewUntil(t, time.Now().Add(90*24*time.Hour).Truncate(time.Second))
	cfg := testConfig(t)
	cfg.Metrics = "127.0.0.1:0"
	cfg.SyslogTLS = "127.0.0.1:0"
	dir := t.TempDir()
	cfg.TLSCert, cfg.TLSKey = dir+"/cert.pem", dir+"/key.pem"
	install := func(p testcert.Pair) {
		copyFile(t, p.CertFile, cfg.TLSCert)
		copyFile(t, p.KeyFile, cfg.TLSKey)
	}
	install(first)
	r := startService(t, cfg)

	trust := x509.NewCertPool()
	firstCert, renewedCert := leaf(t, first.CertFile), leaf(t, renewed.CertFile)
	trust.AddCert(firstCert)
	trust.AddCert(renewedCert)
	presented := func() *x509.Certificate {
		t.Helper()
		c, err := tls.Dial("tcp", r.svc.Addrs().SyslogTLS.String(), &tls.Config{RootCAs: trust, ServerName: "127.0.0.1"})
		require.NoError(t, err)
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0]
	}
	expiry := func() float64 {
		t.Helper()
		return scrapeMetrics(t, r.svc).value(t, "pbxalarm_syslog_tls_cert_expiry_timestamp_seconds")
	}
	require.True(t, presented().Equal(firstCert))
	assert.Equal(t, float64(firstCert.NotAfter.Unix()), expiry())

	install(renewed)
	require.True(t, presented().Equal(firstCert), "the files are read again on Reload only")
	require.NoError(t, r.svc.Reload())
	assert.True(t, presented().Equal(renewedCert), "the next handshake presents the renewed certificate")
	assert.Equal(t, float64(renewedCert.NotAfter.Unix()), expiry())
	m := scrapeMetrics(t, r.svc)
	assert.Equal(t, 1.0, m.value(t, "pbxalarm_reloads_total", "result", "ok"))
	assert.Equal(t, 0.0, m.value(t, "pbxalarm_reloads_total", "result", "failed"))

	// A renewal caught half-written: the certificate in use stays.
	require.NoError(t, os.WriteFile(cfg.TLSCert, []byte("-----BEGIN CERTIFICATE-----\nMIIB"), 0o600))
	require.Error(t, r.svc.Reload())
	assert.True(t, presented().Equal(renewedCert))
	assert.Equal(t, float64(renewedCert.NotAfter.Unix()), expiry())
	assert.Equal(t, 1.0, scrapeMetrics(t, r.svc).value(t, "pbxalarm_reloads_total", "result", "failed"))
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, b, 0o600))
}

func leaf(t *testing.T, certFile string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(certFile)
	require.NoError(t, err)
	block, _ := pem.Decode(b)
	require.NotNil(t, block, "no PEM in %s", certFile)
	c, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	return c
}

// CheckFiles reads what New would read and names the flags of what does
// not load; fields alone are Validate's.
func TestConfig_CheckFilesNamesWhatDoesNotLoad(t *testing.T) {
	certs := testcert.New(t)
	missing := filepath.Join(t.TempDir(), "missing.pem")
	for _, tc := range []struct {
		name string
		set  func(*Config)
		want string
	}{
		{"nothing to read", func(*Config) {}, ""},
		{"syslog TLS", func(c *Config) { c.SyslogTLS, c.TLSCert, c.TLSKey = "127.0.0.1:0", certs.CertFile, certs.KeyFile }, ""},
		{"syslog TLS key missing", func(c *Config) { c.SyslogTLS, c.TLSCert, c.TLSKey = "127.0.0.1:0", certs.CertFile, missing }, "tls-cert, tls-key"},
		{"syslog TLS client CA missing", func(c *Config) {
			c.SyslogTLS, c.TLSCert, c.TLSKey, c.TLSClientCA = "127.0.0.1:0", certs.CertFile, certs.KeyFile, missing
		}, "tls-client-ca"},
		{"NATS CA missing", func(c *Config) { c.NATSURL, c.NATSTLSCA = "nats://127.0.0.1:4222", missing }, "nats-tls-"},
		{"NATS NKey seed missing", func(c *Config) { c.NATSURL, c.NATSNKey = "nats://127.0.0.1:4222", missing }, "nats-nkey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			tc.set(&cfg)
			require.NoError(t, cfg.Validate())
			err := cfg.CheckFiles()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
