package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testlog"
	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

// notified is serve started as systemd starts a Type=notify unit: with
// NOTIFY_SOCKET on a real unixgram socket, read as systemd reads it.
type notified struct {
	t      *testing.T
	cmd    *exec.Cmd
	logs   *testlog.Buffer
	msgs   chan string
	exited chan error
}

func startNotified(t *testing.T, bin string, args []string, env ...string) *notified {
	t.Helper()
	dir, err := os.MkdirTemp("", "sd") // a socket path must be short
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	n := &notified{t: t, logs: new(testlog.Buffer), msgs: make(chan string, 1000), exited: make(chan error, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			k, err := conn.Read(buf)
			if err != nil {
				return
			}
			n.msgs <- string(buf[:k])
		}
	}()
	n.cmd = exec.Command(bin, args...)
	n.cmd.Env = append(append(os.Environ(), "NOTIFY_SOCKET="+sock), env...)
	n.cmd.Stdout, n.cmd.Stderr = n.logs, n.logs
	require.NoError(t, n.cmd.Start())
	go func() { n.exited <- n.cmd.Wait() }()
	t.Cleanup(func() { _ = n.cmd.Process.Kill() })
	return n
}

// next waits for the next message that matches, skipping others.
func (n *notified) next(what string, match func(string) bool) string {
	n.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case m := <-n.msgs:
			if match(m) {
				return m
			}
		case err := <-n.exited:
			n.t.Fatalf("serve exited (%v) before %s; logs:\n%s", err, what, n.logs)
		case <-deadline:
			n.t.Fatalf("no %s from serve; logs:\n%s", what, n.logs)
		}
	}
}

// stop sends SIGTERM and requires STOPPING=1, then exit status 0.
func (n *notified) stop() {
	n.t.Helper()
	require.NoError(n.t, n.cmd.Process.Signal(syscall.SIGTERM))
	n.next("STOPPING=1", func(m string) bool { return strings.HasPrefix(m, "STOPPING=1") })
	select {
	case err := <-n.exited:
		require.NoError(n.t, err, "logs:\n%s", n.logs)
	case <-time.After(60 * time.Second):
		n.t.Fatalf("no exit after SIGTERM; logs:\n%s", n.logs)
	}
}

// Under systemd (NOTIFY_SOCKET, WATCHDOG_USEC set), serve says READY=1
// once it serves, pings the watchdog, frames a SIGHUP reload with
// RELOADING=1 and READY=1, and says STOPPING=1 at SIGTERM.
func TestBinary_TellsSystemdReadyWatchdogReloadStopping(t *testing.T) {
	bin := buildBinary(t)
	tcpPort := testnet.FreePort(t, "tcp")
	n := startNotified(t, bin, []string{"serve", "--nats-listen", "127.0.0.1:-1",
		"--syslog-tcp", "127.0.0.1:" + strconv.Itoa(tcpPort), "--syslog-udp", "off", "--snmp-udp", "off",
		"--http", "off", "--metrics", "off", "--data-dir", t.TempDir()}, "WATCHDOG_USEC=200000")

	ready := n.next("READY=1", func(m string) bool { return strings.Contains(m, "READY=1") })
	assert.Contains(t, ready, "STATUS=ready")
	c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(tcpPort))
	require.NoError(t, err, "READY=1 came before the inputs were served")
	c.Close()
	for range 2 {
		n.next("WATCHDOG=1", func(m string) bool { return m == "WATCHDOG=1" })
	}

	require.NoError(t, n.cmd.Process.Signal(syscall.SIGHUP))
	reloading := n.next("RELOADING=1", func(m string) bool { return strings.HasPrefix(m, "RELOADING=1\n") })
	assert.Regexp(t, `(?m)^MONOTONIC_USEC=[0-9]+$`, reloading)
	n.next("READY=1 after the reload", func(m string) bool { return m == "READY=1" })
	n.stop()
}

// The unit file shipped in deploy/ passes systemd-analyze verify; its
// ExecStart, with the paths it names moved to a test directory, starts
// serve to READY=1 as systemd would run it, and the check its ExecReload
// runs first passes.
func TestSystemdUnit_VerifiesAndItsExecStartServes(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatal("systemd-analyze is required (Debian systemd); .ci/run installs it: ", err)
	}
	bin := buildBinary(t)
	unit, err := os.ReadFile("../../deploy/pbxalarm.service")
	require.NoError(t, err)
	dir := t.TempDir()
	// verify checks that ExecStart's binary exists: point it at the build.
	local := strings.ReplaceAll(string(unit), "/usr/local/bin/pbxalarm", bin)
	unitFile := filepath.Join(dir, "pbxalarm.service")
	require.NoError(t, os.WriteFile(unitFile, []byte(local), 0o644))
	out, err := exec.Command(analyze, "verify", unitFile).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Empty(t, strings.TrimSpace(string(out)), "systemd-analyze verify has something to say")

	var execStart, check []string
	sc := bufio.NewScanner(strings.NewReader(local))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "ExecStart="); ok {
			execStart = strings.Fields(v)
		}
		if v, ok := strings.CutPrefix(sc.Text(), "ExecReload="); ok && strings.Contains(v, "--check") {
			check = strings.Fields(v)
		}
	}
	require.NotEmpty(t, execStart, "no ExecStart in the unit")
	require.Equal(t, bin, execStart[0])
	require.NotEmpty(t, check, "no ExecReload with serve --check in the unit")
	conf := filepath.Join(dir, "pbxalarm.yaml")
	require.NoError(t, os.WriteFile(conf, []byte(`nats-listen: "127.0.0.1:-1"
syslog-udp: "127.0.0.1:0"
syslog-tcp: "127.0.0.1:0"
snmp-udp: "127.0.0.1:0"
http: "off"
metrics: "off"
`), 0o600))
	moved := func(cmdline []string) []string {
		args := cmdline[1:]
		for i, a := range args {
			switch a {
			case "/etc/pbxalarm/pbxalarm.yaml":
				args[i] = conf
			case "/var/lib/pbxalarm":
				args[i] = filepath.Join(dir, "state")
			}
		}
		return args
	}
	out, err = exec.Command(check[0], moved(check)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "configuration ok\n", string(out))
	n := startNotified(t, bin, moved(execStart), "WATCHDOG_USEC=30000000")
	n.next("READY=1", func(m string) bool { return strings.Contains(m, "READY=1") })
	assert.DirExists(t, filepath.Join(dir, "state"), "the data dir the unit names was not used")
	n.stop()
}
