// Package certpool reads the PEM bundles of certificate authorities that
// pbxalarm's TLS clients and servers are told to trust.
package certpool

import (
	"crypto/x509"
	"fmt"
	"os"
)

// Load returns a pool of the certificates in the PEM file at path. A file
// without a single PEM certificate is an error, so that a wrong path or
// a key file given by mistake is not taken for an empty trust list.
func Load(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("certpool: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("certpool: no PEM certificate in %s", path)
	}
	return pool, nil
}
