package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
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

// SIGHUP reads the configuration file again: a PBX added under systems:
// and timezones: is named and read in its zone from then on, without a
// restart; a changed setting that needs one is named in the log; a file
// that no longer validates changes nothing.
func TestBinary_SIGHUPTakesUpSystemsAndTimezonesFromTheFile(t *testing.T) {
	bin := buildBinary(t)
	natsPort, tcpPort, metricsPort := testnet.FreePort(t, "tcp"), testnet.FreePort(t, "tcp"), testnet.FreePort(t, "tcp")
	conf := filepath.Join(t.TempDir(), "pbxalarm.yaml")
	write := func(text string) { require.NoError(t, os.WriteFile(conf, []byte(text), 0o600)) }
	write("systems:\n  127.0.0.1: PBX-OLD\n")
	cmd := exec.Command(bin, "serve", "--config", conf, "--nats-listen", "127.0.0.1:"+strconv.Itoa(natsPort),
		"--syslog-tcp", "127.0.0.1:"+strconv.Itoa(tcpPort), "--syslog-udp", "off", "--snmp-udp", "off", "--http", "off",
		"--metrics", "127.0.0.1:"+strconv.Itoa(metricsPort), "--data-dir", t.TempDir())
	var logs testlog.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	metrics := "http://127.0.0.1:" + strconv.Itoa(metricsPort)
	require.Eventually(t, func() bool {
		resp, err := http.Get(metrics + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 20*time.Millisecond, "serve never became ready: %s", &logs)

	nc, err := nats.Connect("nats://127.0.0.1:" + strconv.Itoa(natsPort))
	require.NoError(t, err)
	defer nc.Close()
	sub, err := nc.SubscribeSync("pbx.>")
	require.NoError(t, err)
	require.NoError(t, nc.Flush())
	n := 0
	send := func() events.Event {
		t.Helper()
		conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(tcpPort))
		require.NoError(t, err)
		n++
		_, err = fmt.Fprintf(conn, "<12>Aug 23 09:00:05 pbx MiVB[%d]: MAINT 004713 Warning 2020/08/23 09:00:00 src=LicenseMgr mod=LMS: License Violation - level Minor, day 3; cause: Security Certificate Update not installed; first detected 2020/08/21 09:00:00\n", n)
		require.NoError(t, err)
		require.NoError(t, conn.Close())
		for {
			m, err := sub.NextMsg(30 * time.Second)
			require.NoError(t, err, "no event: %s", &logs)
			var e events.Event
			require.NoError(t, json.Unmarshal(m.Data, &e))
			if e.Data.Transport == events.TransportSyslog { // not the tracker's state events
				return e
			}
		}
	}
	e := send()
	assert.Equal(t, "PBX-OLD", e.Data.System)
	assert.Equal(t, "2020-08-23T09:00:00Z", e.Time.UTC().Format(time.RFC3339))

	write("systems:\n  127.0.0.1: PBX-NEW\ntimezones:\n  127.0.0.0/8: America/New_York\nmax-frame-size: 8192\n")
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "system names and time zones taken up") },
		30*time.Second, 20*time.Millisecond, "no reload: %s", &logs)
	e = send()
	assert.Equal(t, "PBX-NEW", e.Data.System)
	assert.Equal(t, "2020-08-23T13:00:00Z", e.Time.UTC().Format(time.RFC3339), "09:00 in New York")
	assert.Regexp(t, `take effect only after a restart.*max-frame-size`, logs.String())

	write("systems:\n  127.0.0.1: PBX-BAD\ntimezones:\n  127.0.0.0/8: Mars/Olympus\n")
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	require.Eventually(t, func() bool {
		return strings.Contains(httpBody(t, metrics+"/metrics"), "\npbxalarm_reloads_total{result=\"failed\"} 1\n")
	}, 30*time.Second, 20*time.Millisecond, "the bad file was not refused: %s", &logs)
	e = send()
	assert.Equal(t, "PBX-NEW", e.Data.System, "a refused file changes nothing")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		require.NoError(t, err, "logs:\n%s", &logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("no exit after SIGTERM; logs:\n%s", &logs)
	}
}
