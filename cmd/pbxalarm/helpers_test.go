package main

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/ingest"
)

// startServe runs serve in this process with the embedded NATS and syslog
// TCP on loopback, everything else off, changed by set; it stops when the
// test ends.
func startServe(t *testing.T, set func(*ingest.Config)) *ingest.Service {
	t.Helper()
	cfg := ingest.Defaults()
	cfg.SyslogUDP, cfg.SNMPUDP, cfg.HTTP, cfg.Metrics = ingest.Off, ingest.Off, ingest.Off, ingest.Off
	cfg.SyslogTCP, cfg.NATSListen, cfg.DataDir = "127.0.0.1:0", "127.0.0.1:0", t.TempDir()
	set(&cfg)
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := ingest.New(ctx, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	<-svc.Serving()
	return svc
}
