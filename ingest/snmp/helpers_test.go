package snmp

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Fixed test credentials. The engine ID is what the v3 trap senders in the
// tests claim as theirs.
const (
	testCommunity = "mivb-traps"
	senderEngine  = "8000000001020304"
	authUser      = "opsauth"
	privUser      = "opspriv"
	authPass      = "auth-pass-1"
	privPass      = "priv-pass-1"
	waitFor       = 10 * time.Second
)

func testUsers(t testing.TB) []Option {
	t.Helper()
	var opts []Option
	for _, s := range []string{
		authUser + ":SHA:" + authPass + ":none:@any",
		privUser + ":SHA:" + authPass + ":AES:" + privPass + "@any",
	} {
		u, err := ParseUser(s)
		require.NoError(t, err)
		opts = append(opts, WithUser(u))
	}
	return opts
}

// collector is a Handler that keeps what it receives, with each ack.
type collector struct {
	ch chan delivery
	// ackWith decides what to do with each ack; nil acks at once.
	ackWith func(n *Notification, ack func(error))
}

type delivery struct {
	n   *Notification
	ack func(error)
}

func newCollector() *collector { return &collector{ch: make(chan delivery, 1024)} }

func (c *collector) HandleNotification(_ context.Context, n *Notification, ack func(error)) error {
	c.ch <- delivery{n, ack}
	if c.ackWith != nil {
		c.ackWith(n, ack)
	} else {
		ack(nil)
	}
	return nil
}

// next waits for the next notification.
func (c *collector) next(t testing.TB) *Notification {
	t.Helper()
	select {
	case d := <-c.ch:
		return d.n
	case <-time.After(waitFor):
		t.Fatal("no notification arrived")
		return nil
	}
}

// none checks that nothing was handed on.
func (c *collector) none(t testing.TB) {
	t.Helper()
	select {
	case d := <-c.ch:
		t.Fatalf("unexpected notification: %+v", d.n.SNMP)
	default:
	}
}

// serve starts a receiver on a free 127.0.0.1 port and stops it, checking
// that Serve returns, when the test ends.
func serve(t testing.TB, h Handler, opts ...Option) *Receiver {
	t.Helper()
	opts = append([]Option{WithLogger(testLogger(t)), WithReaders(2)}, opts...)
	r, err := Listen("127.0.0.1:0", h, opts...)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(waitFor):
			t.Error("Serve did not return after its context ended")
		}
	})
	return r
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// target is the receiver's address as net-snmp tools take it.
func target(r *Receiver) string {
	return "udp:" + r.Addr().String()
}

// netsnmp runs a net-snmp command line tool with no MIBs (numeric OIDs
// only) and a private configuration and persistent directory, so that it
// neither reads nor leaves state outside the test.
func netsnmp(t testing.TB, tool string, args ...string) *exec.Cmd {
	t.Helper()
	path, err := exec.LookPath(tool)
	require.NoError(t, err, "net-snmp's %s is needed (Debian package snmp)", tool)
	dir := t.TempDir()
	cmd := exec.Command(path, append([]string{"-Le", "-M", dir, "-m", "", "--persistentDir=" + dir}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "SNMPCONFPATH="+dir, "SNMP_PERSISTENT_DIR="+dir, "MIBS=", "MIBDIRS="+dir)
	out := new(syncWriter)
	cmd.Stdout, cmd.Stderr = out, out
	t.Cleanup(func() {
		if cmd.Process != nil {
			cmd.Process.Kill() // an error only says it has ended already
		}
	})
	return cmd
}

// run runs a net-snmp tool to completion and returns its output.
func run(t testing.TB, tool string, args ...string) (string, error) {
	t.Helper()
	cmd := netsnmp(t, tool, args...)
	err := cmd.Run()
	return cmd.Stdout.(*syncWriter).String(), err
}

// send writes datagrams to the receiver from one socket.
func send(t testing.TB, r *Receiver, packets ...[]byte) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", nil, r.Addr().(*net.UDPAddr))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	for _, p := range packets {
		_, err := c.Write(p)
		require.NoError(t, err)
	}
	return c
}

// eventually waits until cond holds, or fails.
func eventually(t testing.TB, cond func() bool, what string) {
	t.Helper()
	require.Eventually(t, cond, waitFor, 5*time.Millisecond, what)
}

// syncWriter lets a command's output be read while it runs.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

func mustPrefix(t testing.TB, s string) netip.Prefix {
	t.Helper()
	p, err := netip.ParsePrefix(s)
	require.NoError(t, err)
	return p
}
