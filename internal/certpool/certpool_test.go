package certpool

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testcert"
)

func TestLoad(t *testing.T) {
	pair := testcert.New(t)
	dir := t.TempDir()
	noPEM := filepath.Join(dir, "garbage.pem")
	require.NoError(t, os.WriteFile(noPEM, []byte("not a certificate"), 0o600))
	for _, tc := range []struct {
		name, path, wantErr string
	}{
		{"a certificate", pair.CertFile, ""},
		{"a key, not a certificate", pair.KeyFile, "no PEM certificate"},
		{"no PEM at all", noPEM, "no PEM certificate"},
		{"missing file", filepath.Join(dir, "missing.pem"), "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pool, err := Load(tc.path)
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				assert.Nil(t, pool)
				return
			}
			require.NoError(t, err)
			assert.True(t, pool.Equal(pair.Pool), "the pool trusts exactly the file's certificate")
		})
	}
}
