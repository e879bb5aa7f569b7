package publish

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testnet"
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
	port := testnet.FreePort(t, "tcp")
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

// A client given the embedded server as InProcess reaches it through a
// pipe: the URL it names has no listener, and JetStream still answers.
func TestEmbedded_InProcessConnectionNeedsNoSocket(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	nowhere := fmt.Sprintf("nats://127.0.0.1:%d", testnet.FreePort(t, "tcp"))
	nc, err := Connect(ConnConfig{URLs: nowhere, Name: t.Name(), InProcess: srv}, quiet())
	require.NoError(t, err)
	defer nc.Close()
	require.Eventually(t, nc.IsConnected, 10*time.Second, 10*time.Millisecond)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ensureStream(t, js)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := js.Publish(ctx, "pbx.inproc.log.info", []byte("x"))
	require.NoError(t, err)
	require.Equal(t, uint64(1), ack.Sequence)
}
