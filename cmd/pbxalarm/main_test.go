package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

// buildBinary compiles pbxalarm once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pbxalarm")
	out, err := exec.Command("go", "build", "-race", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// The real binary: serve with the embedded NATS stores what it receives,
// serves its metrics and health endpoints, and SIGTERM ends it with exit
// status 0 after publishing.
func TestBinary_ServeThenSIGTERMExitsZero(t *testing.T) {
	bin := buildBinary(t)
	natsPort, tcpPort, metricsPort := testnet.FreePort(t, "tcp"), testnet.FreePort(t, "tcp"), testnet.FreePort(t, "tcp")
	natsURL := "nats://127.0.0.1:" + strconv.Itoa(natsPort)
	cmd := exec.Command(bin, "serve",
		"--nats-listen", "127.0.0.1:"+strconv.Itoa(natsPort),
		"--syslog-tcp", "127.0.0.1:"+strconv.Itoa(tcpPort), "--syslog-udp", "off", "--snmp-udp", "off", "--http", "off",
		"--metrics", "127.0.0.1:"+strconv.Itoa(metricsPort), "--data-dir", t.TempDir())
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	var conn net.Conn
	require.Eventually(t, func() bool {
		var err error
		conn, err = net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(tcpPort))
		return err == nil
	}, 30*time.Second, 20*time.Millisecond, "serve never listened: %s", &logs)
	_, err := conn.Write([]byte("<134>Aug 21 10:00:00 MIVB-BIN MiVB: MAINT 000001 Info 2020/08/21 10:00:00 src=DBMgr mod=DB: hello from the binary test\n"))
	require.NoError(t, err)
	conn.Close()

	nc, err := nats.Connect(natsURL)
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		st, err := js.Stream(ctx, "PBX_EVENTS")
		if err != nil {
			return false
		}
		info, err := st.Info(ctx)
		return err == nil && info.State.Msgs == 1
	}, 30*time.Second, 20*time.Millisecond, "the event never reached the stream: %s", &logs)
	nc.Close()

	metrics := "http://127.0.0.1:" + strconv.Itoa(metricsPort)
	assert.Equal(t, "ready\n", httpBody(t, metrics+"/readyz"))
	assert.Contains(t, httpBody(t, metrics+"/metrics"), "\npbxalarm_received_total{transport=\"tcp\"} 1\n")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		require.NoError(t, err, "exit status after SIGTERM must be 0; logs:\n%s", &logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("no exit after SIGTERM; logs:\n%s", &logs)
	}
	assert.Contains(t, logs.String(), "pbxalarm stopped")
	assert.Contains(t, logs.String(), "published=1")
}

func TestBinary_BadConfigExitsNonZeroNamingTheField(t *testing.T) {
	bin := buildBinary(t)
	out, err := exec.Command(bin, "serve", "--syslog-udp", "nowhere").CombinedOutput()
	require.Error(t, err)
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 1, ee.ExitCode())
	assert.Contains(t, string(out), "syslog-udp:")
	_ = os.Remove(bin)
}

// httpBody GETs url and requires a 200.
func httpBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", url, b)
	return string(b)
}
