package publish

import (
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testlog"
	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

func TestConnect_BeforeServerStartsThenPublishes(t *testing.T) {
	port := testnet.FreePort(t, "tcp")
	url := "nats://127.0.0.1:" + strconv.Itoa(port)
	var logs testlog.Buffer
	nc, err := Connect(ConnConfig{URLs: url, Name: t.Name(), ReconnectWait: 50 * time.Millisecond}, logs.Logger(slog.LevelInfo))
	require.NoError(t, err, "Connect must not fail while NATS is down")
	t.Cleanup(nc.Close)
	require.False(t, nc.IsConnected())
	require.Contains(t, logs.String(), "NATS not reachable yet")

	js, err := jetstream.New(nc)
	require.NoError(t, err)
	p := newPublisher(t, js, WithAckTimeout(time.Second), WithRetryBackoff(20*time.Millisecond, 200*time.Millisecond))
	dl := newDoneLog()
	publishN(t, p, dl, "early", 100)
	require.Zero(t, p.Stats().Acked, "acked with no server")

	startServer(t, port, t.TempDir())
	require.Eventually(t, nc.IsConnected, 20*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return containsAll(logs.String(), "NATS connected") }, 5*time.Second, 10*time.Millisecond)
	ensureStream(t, js)

	waitIdle(t, p, 30*time.Second)
	publishN(t, p, dl, "late", 100)
	closePublisher(t, p)
	requireDoneOnce(t, dl, "early", 100)
	requireDoneOnce(t, dl, "late", 100)
	requireExactlyOnce(t, storedIDs(t, js, DefaultStreamName), map[string]int{"early": 100, "late": 100})
}

func TestConnect_RejectsBadConfig(t *testing.T) {
	badSeed := filepath.Join(t.TempDir(), "bad.nk")
	require.NoError(t, os.WriteFile(badSeed, []byte("not a seed"), 0o600))
	cases := []struct {
		name    string
		cfg     ConnConfig
		wantErr string
	}{
		{"creds and nkey", ConnConfig{CredsFile: "a.creds", NKeyFile: "a.nk"}, "not both"},
		{"cert without key", ConnConfig{TLSCert: "c.pem"}, "TLSCert and TLSKey"},
		{"negative buffer", ConnConfig{ReconnectBufSize: -1}, "ReconnectBufSize -1"},
		{"unreadable nkey", ConnConfig{NKeyFile: badSeed}, "NKeyFile"},
		{"missing CA file", ConnConfig{URLs: "nats://127.0.0.1:1", TLSCA: filepath.Join(t.TempDir(), "none.pem")}, "connect to nats://127.0.0.1:1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nc, err := Connect(tc.cfg, quiet())
			if nc != nil {
				nc.Close()
			}
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

func TestRedactURLs_HidesPasswords(t *testing.T) {
	cases := []struct{ in, want string }{
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"nats://u:secret@h1:4222, nats://h2:4222", "nats://u:xxxxx@h1:4222,nats://h2:4222"},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, redactURLs(tc.in))
	}
}

func TestConnect_LogsDisconnectAndReconnect(t *testing.T) {
	port := testnet.FreePort(t, "tcp")
	dir := t.TempDir()
	srv := startServer(t, port, dir)
	var logs testlog.Buffer
	nc, err := Connect(ConnConfig{URLs: srv.ClientURL(), ReconnectWait: 50 * time.Millisecond}, logs.Logger(slog.LevelInfo))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	require.Eventually(t, func() bool { return containsAll(logs.String(), "NATS connected") }, 5*time.Second, 10*time.Millisecond)

	srv.Shutdown()
	require.Eventually(t, func() bool { return containsAll(logs.String(), "NATS disconnected") }, 10*time.Second, 10*time.Millisecond)
	startServer(t, port, dir)
	require.Eventually(t, func() bool { return containsAll(logs.String(), "NATS reconnected") }, 20*time.Second, 10*time.Millisecond)
}
