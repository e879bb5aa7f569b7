package syslog

import (
	"crypto/tls"
	"fmt"

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
