package main

import (
	"crypto/tls"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testcert"
	"github.com/pbxalarm/pbxalarm/internal/testlog"
	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

// SIGHUP makes serve read its syslog TLS files again, as after a
// certificate renewal, and does not end it: the next handshake presents
// the new certificate, and SIGTERM still ends it cleanly.
func TestBinary_SIGHUPReloadsTheTLSCertificateAndKeepsServing(t *testing.T) {
	bin := buildBinary(t)
	first, renewed := testcert.New(t), testcert.New(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	install := func(p testcert.Pair) {
		for from, to := range map[string]string{p.CertFile: certFile, p.KeyFile: keyFile} {
			b, err := os.ReadFile(from)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(to, b, 0o600))
		}
	}
	install(first)
	tlsPort, metricsPort := testnet.FreePort(t, "tcp"), testnet.FreePort(t, "tcp")
	cmd := exec.Command(bin, "serve", "--nats-listen", "127.0.0.1:-1",
		"--syslog-tls", "127.0.0.1:"+strconv.Itoa(tlsPort), "--tls-cert", certFile, "--tls-key", keyFile,
		"--syslog-tcp", "off", "--syslog-udp", "off", "--snmp-udp", "off", "--http", "off",
		"--metrics", "127.0.0.1:"+strconv.Itoa(metricsPort), "--data-dir", t.TempDir())
	var logs testlog.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// Trusting only one certificate, a handshake succeeds only while
	// serve presents that one.
	presents := func(p testcert.Pair) bool {
		c, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(tlsPort), &tls.Config{RootCAs: p.Pool, ServerName: "127.0.0.1"})
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	require.Eventually(t, func() bool { return presents(first) }, 30*time.Second, 20*time.Millisecond, "serve never served TLS: %s", &logs)

	install(renewed)
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	require.Eventually(t, func() bool { return presents(renewed) }, 30*time.Second, 20*time.Millisecond,
		"the renewed certificate was never presented: %s", &logs)
	assert.False(t, presents(first))
	assert.Contains(t, logs.String(), "syslog TLS certificate reloaded")
	assert.Contains(t, httpBody(t, "http://127.0.0.1:"+strconv.Itoa(metricsPort)+"/metrics"), "\npbxalarm_reloads_total{result=\"ok\"} 1\n")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		require.NoError(t, err, "exit status after SIGHUP then SIGTERM must be 0; logs:\n%s", &logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("no exit after SIGTERM; logs:\n%s", &logs)
	}
}
