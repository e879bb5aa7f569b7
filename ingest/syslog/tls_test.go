package syslog

import (
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
)

// testPKI is a CA with a server certificate for 127.0.0.1 and a client
// certificate, written as PEM files.
type testPKI struct {
	caFile, serverCert, serverKey string
	caPool                        *x509.CertPool
	client                        tls.Certificate
	// renewServer writes a new server certificate with serial, signed by
	// the same CA, and its key over the server's files.
	renewServer func(t *testing.T, serial int64)
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "pbxalarm test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, usage x509.ExtKeyUsage, ip net.IP) ([]byte, *ecdsa.PrivateKey) {
		key := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: "pbxalarm test"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		if ip != nil {
			tmpl.IPAddresses = []net.IP{ip}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	p := &testPKI{
		caFile:     filepath.Join(dir, "ca.pem"),
		serverCert: filepath.Join(dir, "server.pem"),
		serverKey:  filepath.Join(dir, "server-key.pem"),
		caPool:     x509.NewCertPool(),
	}
	p.caPool.AddCert(ca)
	writePEM(t, p.caFile, "CERTIFICATE", caDER)
	p.renewServer = func(t *testing.T, serial int64) {
		der, key := issue(serial, x509.ExtKeyUsageServerAuth, net.IPv4(127, 0, 0, 1))
		writePEM(t, p.serverCert, "CERTIFICATE", der)
		writePEM(t, p.serverKey, "PRIVATE KEY", marshalKey(t, key))
	}
	p.renewServer(t, 2)
	der, key := issue(3, x509.ExtKeyUsageClientAuth, nil)
	p.client = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return p
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func marshalKey(t *testing.T, k *ecdsa.PrivateKey) []byte {
	b, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func startTLS(t *testing.T, p *testPKI, clientCA string, opts ...Option) *server {
	t.Helper()
	cfg, err := ServerTLSConfig(p.serverCert, p.serverKey, clientCA)
	if err != nil {
		t.Fatal(err)
	}
	return startTLSWith(t, cfg, opts...)
}

func startTLSWith(t *testing.T, cfg *tls.Config, opts ...Option) *server {
	t.Helper()
	rec, stats := new(recorder), new(Stats)
	log, logs := newTestLogger()
	l, err := ListenTLS("127.0.0.1:0", cfg, rec, append([]Option{WithStats(stats), WithLogger(log)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, l, rec, stats, logs)
}

// sendTLS connects, writes data and closes; it returns the first error.
func sendTLS(addr string, cfg *tls.Config, data string) error {
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte(data))
	return err
}

func TestTLS_ClientCertificates(t *testing.T) {
	p := newTestPKI(t)
	withCert := &tls.Config{RootCAs: p.caPool, Certificates: []tls.Certificate{p.client}, MinVersion: tls.VersionTLS12}
	withoutCert := &tls.Config{RootCAs: p.caPool, MinVersion: tls.VersionTLS12}
	tests := []struct {
		name      string
		clientCA  bool
		client    *tls.Config
		delivered bool
	}{
		{"client CA configured, client with certificate", true, withCert, true},
		{"client CA configured, client without certificate is refused", true, withoutCert, false},
		{"no client CA, client without certificate", false, withoutCert, true},
		{"no client CA, client with certificate", false, withCert, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := ""
			if tt.clientCA {
				ca = p.caFile
			}
			s := startTLS(t, p, ca)
			// The client may not see the refusal (in TLS 1.3 its side of
			// the handshake completes first): the server's count tells.
			sendTLS(s.addr, tt.client, "<13>Aug 21 09:14:02 host app: over tls\n7 <13>two")
			if !tt.delivered {
				waitFor(t, "the refusal to be counted", func() bool { return s.stats.Rejected(ReasonTLSHandshake) == 1 })
				if s.logs.Count("reason=tls_handshake") != 1 {
					t.Errorf("refusal not logged:\n%s", s.logs)
				}
				// A client with a certificate is still served.
				if err := sendTLS(s.addr, withCert, "<13>after\n"); err != nil {
					t.Fatal(err)
				}
				waitFor(t, "the message after", func() bool { return s.rec.count() == 1 })
				if got := s.rec.raws(); got[0] != "<13>after" {
					t.Errorf("messages = %q", got)
				}
				return
			}
			waitFor(t, "two messages", func() bool { return s.rec.count() == 2 })
			m := s.rec.all()
			if m[0].Transport != TransportTLS || m[0].Text != "over tls" || m[0].Header.Framing != FramingLF ||
				string(m[1].Raw) != "<13>two" || m[1].Header.Framing != FramingOctetCounting {
				t.Errorf("messages = %+v", m)
			}
			if s.stats.Received(TransportTLS) != 2 || s.stats.Rejected(ReasonTLSHandshake) != 0 {
				t.Errorf("stats = %v", s.stats.Snapshot())
			}
		})
	}
}

func TestTLS_HandshakeDeadline(t *testing.T) {
	p := newTestPKI(t)
	s := startTLS(t, p, "", WithHandshakeTimeout(50*time.Millisecond))
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Say nothing: the server gives up on the handshake and closes.
	c.SetReadDeadline(time.Now().Add(waitTimeout))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("the server kept a silent connection past the handshake deadline")
	}
	waitFor(t, "the failed handshake to be counted", func() bool { return s.stats.Rejected(ReasonTLSHandshake) == 1 })
}

func TestTLS_PlainSyslogOnTLSPortIsRefused(t *testing.T) {
	p := newTestPKI(t)
	s := startTLS(t, p, "")
	sendTCP(t, s.addr, []byte("<13>Aug 21 09:14:02 host app: plain text\n"))
	waitFor(t, "the failed handshake to be counted", func() bool { return s.stats.Rejected(ReasonTLSHandshake) == 1 })
	if s.rec.count() != 0 {
		t.Errorf("plain text delivered over the TLS port: %q", s.rec.raws())
	}
}

func TestServerTLSConfig(t *testing.T) {
	p := newTestPKI(t)
	cfg, err := ServerTLSConfig(p.serverCert, p.serverKey, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS12 || cfg.ClientAuth != tls.NoClientCert {
		t.Errorf("without client CA: min version %x, client auth %v", cfg.MinVersion, cfg.ClientAuth)
	}
	cfg, err = ServerTLSConfig(p.serverCert, p.serverKey, p.caFile)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ClientCAs == nil {
		t.Errorf("with client CA: client auth %v", cfg.ClientAuth)
	}
	for _, bad := range [][3]string{
		{"missing.pem", p.serverKey, ""},
		{p.serverCert, p.serverKey, "missing-ca.pem"},
		{p.serverCert, p.serverKey, p.serverKey}, // a key is no CA certificate
	} {
		if _, err := ServerTLSConfig(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("ServerTLSConfig%q succeeded", bad)
		}
	}
	if _, err := ListenTLS("127.0.0.1:0", nil, new(recorder)); err == nil {
		t.Error("ListenTLS without a configuration succeeded")
	}
}

// A renewed certificate is taken up by the next handshake once the files
// are read again; a connection already open carries on; files that do not
// make a valid pair leave the certificate in use as it was.
func TestTLSFiles_ReloadTakesUpARenewedCertificate(t *testing.T) {
	p := newTestPKI(t)
	f, err := LoadTLSFiles(p.serverCert, p.serverKey, "")
	if err != nil {
		t.Fatal(err)
	}
	s := startTLSWith(t, f.Config())
	client := &tls.Config{RootCAs: p.caPool, MinVersion: tls.VersionTLS12}
	serial := func() int64 {
		t.Helper()
		c, err := tls.Dial("tcp", s.addr, client)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
	}
	if got := serial(); got != 2 {
		t.Fatalf("serial before renewal = %d, want 2", got)
	}
	open, err := tls.Dial("tcp", s.addr, client)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()

	p.renewServer(t, 20)
	if got := serial(); got != 2 {
		t.Errorf("serial after renewal, before reload = %d, want 2 (files are read on Reload only)", got)
	}
	if err := f.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := serial(); got != 20 {
		t.Errorf("serial after reload = %d, want 20", got)
	}
	renewed, err := tls.LoadX509KeyPair(p.serverCert, p.serverKey)
	if err != nil {
		t.Fatal(err)
	}
	if !f.NotAfter().Equal(renewed.Leaf.NotAfter) {
		t.Errorf("NotAfter = %v, want the renewed certificate's %v", f.NotAfter(), renewed.Leaf.NotAfter)
	}
	if _, err := open.Write([]byte("<13>Aug 21 09:14:02 host app: still open\n")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the message on the connection opened before the reload", func() bool { return s.rec.count() == 1 })

	if err := os.WriteFile(p.serverCert, []byte("-----BEGIN CERTIFICATE-----\nhalf"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.Reload(); err == nil {
		t.Error("Reload of a broken certificate file succeeded")
	}
	if got := serial(); got != 20 {
		t.Errorf("serial after a failed reload = %d, want 20 (kept)", got)
	}
}

func TestLoadTLSFiles_RejectsWhatServerTLSConfigRejects(t *testing.T) {
	p := newTestPKI(t)
	for _, bad := range [][3]string{
		{"missing.pem", p.serverKey, ""},
		{p.serverCert, p.serverKey, p.serverKey},
	} {
		if _, err := LoadTLSFiles(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("LoadTLSFiles%q succeeded", bad)
		}
	}
	f, err := LoadTLSFiles(p.serverCert, p.serverKey, p.caFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.Config().GetConfigForClient(nil)
	if err != nil || cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.MinVersion != tls.VersionTLS12 {
		t.Errorf("with client CA: %v, client auth %v, min version %x", err, cfg.ClientAuth, cfg.MinVersion)
	}
}
