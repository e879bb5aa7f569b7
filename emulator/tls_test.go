package emulator

import (
	"context"
	"crypto/tls"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testcert"
)

func TestRun_SyslogOverTLS(t *testing.T) {
	pair := testcert.New(t)
	cert, err := tls.LoadX509KeyPair(pair.CertFile, pair.KeyFile)
	require.NoError(t, err)
	serverConf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	caFile := pair.CertFile
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
