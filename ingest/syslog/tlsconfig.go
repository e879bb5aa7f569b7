package syslog

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/pbxalarm/pbxalarm/internal/certpool"
)

// ServerTLSConfig builds a server TLS configuration from PEM files: the
// certificate and its key, and optionally the CA that client certificates
// must chain to. With a client CA, clients must present a valid certificate
// (RequireAndVerifyClientCert). TLS 1.2 is the minimum version.
func ServerTLSConfig(certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("syslog: load TLS key pair %s, %s: %w", certFile, keyFile, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if clientCAFile == "" {
		return cfg, nil
	}
	pool, err := certpool.Load(clientCAFile)
	if err != nil {
		return nil, fmt.Errorf("syslog: client CA: %w", err)
	}
	cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	return cfg, nil
}

// TLSFiles is a server TLS configuration read from PEM files (see
// [ServerTLSConfig]) that can be read again while its listener serves, so
// that a renewed certificate, key or client CA is taken up without a
// restart. Connections already open keep what they were set up with.
type TLSFiles struct {
	certFile, keyFile, clientCAFile string
	cur                             atomic.Pointer[loadedTLS]
}

// loadedTLS is what one successful read of the files gave.
type loadedTLS struct {
	cfg      *tls.Config
	notAfter time.Time
}

// LoadTLSFiles reads the files once, failing as [ServerTLSConfig] does.
func LoadTLSFiles(certFile, keyFile, clientCAFile string) (*TLSFiles, error) {
	f := &TLSFiles{certFile: certFile, keyFile: keyFile, clientCAFile: clientCAFile}
	if err := f.Reload(); err != nil {
		return nil, err
	}
	return f, nil
}

// Reload reads the files again. If they do not make a valid configuration
// (half-written, a key that does not match), the one in use stays and the
// error says why.
func (f *TLSFiles) Reload() error {
	cfg, err := ServerTLSConfig(f.certFile, f.keyFile, f.clientCAFile)
	if err != nil {
		return err
	}
	leaf := cfg.Certificates[0].Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(cfg.Certificates[0].Certificate[0]); err != nil {
			return fmt.Errorf("syslog: parse TLS certificate %s: %w", f.certFile, err)
		}
	}
	f.cur.Store(&loadedTLS{cfg: cfg, notAfter: leaf.NotAfter})
	return nil
}

// Config is the configuration to listen with: each handshake uses the
// files as last read successfully.
func (f *TLSFiles) Config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return f.cur.Load().cfg, nil
		},
	}
}

// NotAfter is when the certificate in use expires.
func (f *TLSFiles) NotAfter() time.Time { return f.cur.Load().notAfter }
