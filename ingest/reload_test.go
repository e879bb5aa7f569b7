package ingest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
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
	require.NoError(t, r.svc.Reload(nil))
	assert.True(t, presented().Equal(renewedCert), "the next handshake presents the renewed certificate")
	assert.Equal(t, float64(renewedCert.NotAfter.Unix()), expiry())
	m := scrapeMetrics(t, r.svc)
	assert.Equal(t, 1.0, m.value(t, "pbxalarm_reloads_total", "result", "ok"))
	assert.Equal(t, 0.0, m.value(t, "pbxalarm_reloads_total", "result", "failed"))

	// A renewal caught half-written: the certificate in use stays.
	require.NoError(t, os.WriteFile(cfg.TLSCert, []byte("-----BEGIN CERTIFICATE-----\nMIIB"), 0o600))
	require.Error(t, r.svc.Reload(nil))
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

// Reload with a configuration read again takes up new system names and
// time zones at once; one that does not validate changes nothing and
// counts as a failed reload.
func TestService_ReloadTakesUpSystemsAndTimezones(t *testing.T) {
	cfg := testConfig(t)
	cfg.Metrics = "127.0.0.1:0"
	cfg.Systems = map[string]string{"127.0.0.1": "PBX-OLD"}
	r := startService(t, cfg)
	c := collect(t, r.svc.Addrs().NATS, "PBX_EVENTS")
	sent := 0
	send := func() received {
		t.Helper()
		conn, err := net.Dial("udp", r.svc.Addrs().SyslogUDP.String())
		require.NoError(t, err)
		defer conn.Close()
		sent++ // the same bytes again would be a duplicate, stored once
		_, err = conn.Write([]byte(fmt.Sprintf("<12>Aug 23 09:00:05 pbx MiVB[%d]: %s", sent, licenceMinor)))
		require.NoError(t, err)
		return c.next(1)[0]
	}
	got := send()
	assert.Equal(t, "PBX-OLD", got.event.Data.System)
	assert.True(t, got.event.Time.Equal(time.Date(2020, 8, 23, 9, 0, 0, 0, time.UTC)), "UTC before: %v", got.event.Time)

	next := cfg
	next.Systems = map[string]string{"127.0.0.0/8": "PBX-NEW"}
	next.Timezones = map[string]string{"127.0.0.1": "America/New_York"}
	require.NoError(t, r.svc.Reload(func() (Config, error) { return next, nil }))
	got = send()
	assert.Equal(t, "PBX-NEW", got.event.Data.System)
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	assert.True(t, got.event.Time.Equal(time.Date(2020, 8, 23, 9, 0, 0, 0, ny)), "New York after: %v", got.event.Time)

	bad := next
	bad.Systems = map[string]string{"127.0.0.1": "PBX-BAD"}
	bad.Timezones = map[string]string{"127.0.0.1": "Mars/Olympus"}
	require.ErrorContains(t, r.svc.Reload(func() (Config, error) { return bad, nil }), "timezones")
	require.ErrorContains(t, r.svc.Reload(func() (Config, error) { return Config{}, errors.New("unreadable file") }), "unreadable file")
	got = send()
	assert.Equal(t, "PBX-NEW", got.event.Data.System, "a failed reload changes nothing")
	assert.True(t, got.event.Time.Equal(time.Date(2020, 8, 23, 9, 0, 0, 0, ny)))
	m := scrapeMetrics(t, r.svc)
	assert.Equal(t, 1.0, m.value(t, "pbxalarm_reloads_total", "result", "ok"))
	assert.Equal(t, 2.0, m.value(t, "pbxalarm_reloads_total", "result", "failed"))
}
