package publish

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStartEmbedded_ServesJetStreamOnRandomPort(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	url := srv.ClientURL()
	require.Regexp(t, `^nats://127\.0\.0\.1:\d+$`, url)
	require.NotEqual(t, "nats://127.0.0.1:-1", url)
	_, js := connect(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := js.AccountInfo(ctx)
	require.NoError(t, err, "JetStream not available on %s", url)
	require.NotNil(t, info)
}

func TestStartEmbedded_RejectsUnusableConfig(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port

	cases := []struct {
		name    string
		cfg     EmbeddedConfig
		wantErr string
	}{
		{"no store dir", EmbeddedConfig{Port: -1}, "StoreDir is empty"},
		{"port out of range", EmbeddedConfig{Port: 70000, StoreDir: t.TempDir()}, "Port 70000"},
		{"port in use", EmbeddedConfig{Host: "127.0.0.1", Port: busyPort, StoreDir: t.TempDir()}, fmt.Sprint(busyPort)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			e, err := StartEmbedded(ctx, tc.cfg, quiet())
			if e != nil {
				e.Shutdown()
			}
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

func TestEmbedded_ShutdownReleasesPort(t *testing.T) {
	port := freePort(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e, err := StartEmbedded(ctx, EmbeddedConfig{Port: port, StoreDir: dir}, quiet())
	require.NoError(t, err)
	e.Shutdown()
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	require.NoError(t, err, "port still held after Shutdown")
	require.NoError(t, l.Close())
}
