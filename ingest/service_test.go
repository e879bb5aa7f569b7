package ingest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/internal/testnats"
)

// testConfig is a service on ephemeral loopback ports with an embedded NATS.
func testConfig(t *testing.T) Config {
	cfg := Defaults()
	cfg.SyslogUDP = "127.0.0.1:0"
	cfg.SyslogTCP = "127.0.0.1:0"
	cfg.SNMPUDP = Off // snmpConfig turns it on
	cfg.HTTP = Off
	cfg.Metrics = Off // metricsConfig turns it on
	cfg.Track = false
	cfg.NATSListen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.ShutdownTimeout = 20 * time.Second
	return cfg
}

type running struct {
	svc  *Service
	stop context.CancelFunc
	done chan error
}

func startService(t *testing.T, cfg Config) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc, err := New(ctx, cfg, log)
	require.NoError(t, err)
	r := &running{svc: svc, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- svc.Run(ctx) }()
	t.Cleanup(func() { r.shutdown(t) })
	return r
}

// shutdown stops the service and requires a clean exit.
func (r *running) shutdown(t *testing.T) {
	t.Helper()
	if r.stop == nil {
		return
	}
	r.stop()
	r.stop = nil
	select {
	case err := <-r.done:
		require.NoError(t, err, "Run must return nil after a graceful shutdown")
	case <-time.After(60 * time.Second):
		t.Fatal("service did not shut down")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// collector reads every event from the stream.
type collector struct {
	t    *testing.T
	msgs chan jetstream.Msg
}

func collect(t *testing.T, natsURL, stream string) *collector {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	var cons jetstream.Consumer
	// The service creates the stream as it starts; wait for it. Each try
	// has a deadline of its own: one API request lost on a busy machine
	// once used up the whole wait.
	var last error
	var mu sync.Mutex // Eventually runs the condition in a goroutine of its own
	ok := assert.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
		mu.Lock()
		defer mu.Unlock()
		cons, last = c, err
		return err == nil
	}, 30*time.Second, 50*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if !ok {
		t.Fatalf("stream %s never appeared: %v", stream, last)
	}
	c := &collector{t: t, msgs: make(chan jetstream.Msg, 100000)}
	cc, err := cons.Consume(func(m jetstream.Msg) { c.msgs <- m })
	require.NoError(t, err)
	t.Cleanup(cc.Stop)
	return c
}

type received struct {
	subject string
	event   events.Event
	msgID   string
}

// next returns n events, failing if they do not arrive in time.
func (c *collector) next(n int) []received {
	c.t.Helper()
	return c.nextWithin(n, 30*time.Second)
}

// nextWithin is next with a deadline of its own.
func (c *collector) nextWithin(n int, within time.Duration) []received {
	c.t.Helper()
	var out []received
	deadline := time.After(within)
	for len(out) < n {
		select {
		case m := <-c.msgs:
			e, err := events.Unmarshal(m.Data())
			require.NoError(c.t, err, "every published event must validate: %s", m.Data())
			out = append(out, received{m.Subject(), e, m.Headers().Get(jetstream.MsgIDHeader)})
		case <-deadline:
			c.t.Fatalf("got %d of %d events", len(out), n)
		}
	}
	return out
}

// none asserts that no further event arrives within a short grace period.
func (c *collector) none(grace time.Duration) {
	c.t.Helper()
	select {
	case m := <-c.msgs:
		c.t.Fatalf("unexpected extra event on %s: %s", m.Subject(), m.Data())
	case <-time.After(grace):
	}
}

func runLogger(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("logger", args...).CombinedOutput()
	require.NoError(t, err, "logger %v: %s", args, out)
}

func port(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

const licenceMinor = "MAINT 004713 Warning 2020/08/23 09:00:00 src=LicenseMgr mod=LMS: License Violation - level Minor, day 3; cause: Security Certificate Update not installed; first detected 2020/08/21 09:00:00"

// util-linux logger speaks each framing; every message must arrive once,
// on the right subject, with the fields a subscriber relies on.
func TestServe_LoggerOverUDPAndTCPArrivesOnNATS(t *testing.T) {
	if _, err := exec.LookPath("logger"); err != nil {
		t.Fatal("util-linux logger is required (Debian bsdutils); .ci/run installs it")
	}
	r := startService(t, testConfig(t))
	a := r.svc.Addrs()
	c := collect(t, a.NATS, "PBX_EVENTS")

	cases := []struct {
		name       string
		args       []string
		wantFormat string
		wantFrame  string
	}{
		{"udp-rfc3164", []string{"--udp", "--rfc3164", "--port", port(a.SyslogUDP)}, "rfc3164", ""},
		{"udp-rfc5424", []string{"--udp", "--rfc5424", "--port", port(a.SyslogUDP)}, "rfc5424", ""},
		{"tcp-rfc3164-lf", []string{"--tcp", "--rfc3164", "--port", port(a.SyslogTCP)}, "rfc3164", "lf"},
		{"tcp-rfc5424-octet", []string{"--tcp", "--octet-count", "--rfc5424", "--port", port(a.SyslogTCP)}, "rfc5424", "octet-counting"},
		{"tcp-rfc3164-octet", []string{"--tcp", "--octet-count", "--rfc3164", "--port", port(a.SyslogTCP)}, "rfc3164", "octet-counting"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			msg := licenceMinor + " #" + tc.name
			args := append([]string{"--server", "127.0.0.1", "-t", "MiVB", "-p", "user.warning"}, tc.args...)
			runLogger(t, append(args, msg)...)
			got := c.next(1)[0]
			e := got.event
			assert.Equal(t, events.TypeLicenceViolation, e.Type)
			assert.Equal(t, events.KindLicence, e.Data.Kind)
			assert.Equal(t, events.SeverityMinor, e.Data.Severity)
			assert.Equal(t, events.CauseCertificateUpdate, e.Data.Cause)
			assert.Equal(t, 3, e.Data.Day)
			assert.Equal(t, events.TransportSyslog, e.Data.Transport)
			assert.True(t, e.Data.Recognised)
			require.NotNil(t, e.Data.Syslog)
			assert.Equal(t, tc.wantFormat, e.Data.Syslog.Format)
			assert.Equal(t, tc.wantFrame, e.Data.Syslog.Framing)
			assert.Equal(t, "MiVB", e.Data.Syslog.AppName)
			require.NotNil(t, e.Data.Syslog.Severity)
			assert.Equal(t, 4, *e.Data.Syslog.Severity)
			host, _ := os.Hostname()
			assert.Equal(t, host, e.Data.System, "logger sends this machine's hostname")
			assert.Equal(t, events.Subject("pbx", host, events.KindLicence, events.SeverityMinor), got.subject)
			assert.Equal(t, e.ID, got.msgID, "Nats-Msg-Id is the event id")
			assert.Contains(t, e.Data.Raw, msg)
			assert.True(t, strings.HasPrefix(e.Data.Peer, "127.0.0.1:"), e.Data.Peer)
		})
	}
	c.t = t
	c.none(300 * time.Millisecond)
}

// A configured name for the sender's address wins over the HOSTNAME, and
// an unrecognised message is still published raw as pbx.log.
func TestServe_ConfiguredSystemNameAndUnrecognisedLog(t *testing.T) {
	cfg := testConfig(t)
	cfg.Systems = map[string]string{"127.0.0.0/8": "Loopback PBX"}
	r := startService(t, cfg)
	c := collect(t, r.svc.Addrs().NATS, "PBX_EVENTS")
	conn, err := net.Dial("udp", r.svc.Addrs().SyslogUDP.String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("<11>Aug 21 09:14:02 somehost sshd[1]: disk on fire"))
	require.NoError(t, err)
	got := c.next(1)[0]
	assert.Equal(t, "Loopback PBX", got.event.Data.System)
	assert.Equal(t, "pbx.loopback_pbx.log.major", got.subject, "syslog severity 3 (err) is major")
	assert.Equal(t, events.TypeLog, got.event.Type)
	assert.False(t, got.event.Data.Recognised)
	assert.Equal(t, "<11>Aug 21 09:14:02 somehost sshd[1]: disk on fire", got.event.Data.Raw)
}

// Bad input never stops the daemon, and the good messages around it all
// arrive.
func TestServe_BadInputAroundGoodMessages(t *testing.T) {
	r := startService(t, testConfig(t))
	a := r.svc.Addrs()
	c := collect(t, a.NATS, "PBX_EVENTS")
	udp, err := net.Dial("udp", a.SyslogUDP.String())
	require.NoError(t, err)
	defer udp.Close()
	good := 0
	sendGood := func() {
		good++
		_, err := udp.Write([]byte(fmt.Sprintf("<14>Aug 21 09:14:02 hq app: good %d", good)))
		require.NoError(t, err)
	}
	bad := [][]byte{
		[]byte("<13>"), []byte("<13>Aug 21 09:14:02 host"), []byte("-5 <13>hello"),
		{}, {0xff, 0xfe, 0x00, 0x80}, []byte("nul\x00in\x00side"),
	}
	for _, b := range bad {
		sendGood()
		_, err := udp.Write(b)
		require.NoError(t, err)
	}
	sendGood()
	// A TLS ClientHello on the plain TCP port is refused; TCP still works.
	tlsConn, err := net.Dial("tcp", a.SyslogTCP.String())
	require.NoError(t, err)
	_, _ = tlsConn.Write([]byte{0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03})
	tlsConn.Close()
	tcp, err := net.Dial("tcp", a.SyslogTCP.String())
	require.NoError(t, err)
	big := bytes.Repeat([]byte("x"), 1<<20)
	_, err = fmt.Fprintf(tcp, "<14>Aug 21 09:14:02 hq app: before\n%s\n<14>Aug 21 09:14:02 hq app: after\n", big)
	require.NoError(t, err)
	tcp.Close()

	// every bad datagram but the empty one is a message in its own right
	want := good + len(bad) - 1 + 2
	got := c.next(want)
	texts := map[string]bool{}
	for _, g := range got {
		texts[g.event.Data.Message] = true
	}
	for i := 1; i <= good; i++ {
		assert.True(t, texts[fmt.Sprintf("good %d", i)], "good %d missing", i)
	}
	assert.True(t, texts["before"] && texts["after"], "TCP messages around the oversize frame")
	c.none(300 * time.Millisecond)
	snap := r.svc.SyslogStats().Snapshot()
	assert.NotZero(t, snap["rejected_empty"], "empty datagram counted: %v", snap)
	assert.NotZero(t, snap["rejected_oversize"], "oversize frame counted: %v", snap)
	assert.NotZero(t, snap["rejected_tls_on_plain_port"], "TLS on plain port counted: %v", snap)
}

// Shutdown completes with idle clients connected and publishes what was
// read before it.
func TestServe_ShutdownWithIdleClients(t *testing.T) {
	r := startService(t, testConfig(t))
	a := r.svc.Addrs()
	c := collect(t, a.NATS, "PBX_EVENTS")
	var idle []net.Conn
	for range 200 {
		conn, err := net.Dial("tcp", a.SyslogTCP.String())
		require.NoError(t, err)
		idle = append(idle, conn)
	}
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	_, err := idle[0].Write([]byte("<14>Aug 21 09:14:02 hq app: last words\n"))
	require.NoError(t, err)
	got := c.next(1)
	assert.Equal(t, "last words", got[0].event.Data.Message)
	r.shutdown(t)
}

// The Debian nats-server binary, as an external server: the same flow.
func TestServe_InteropWithNATSServerBinary(t *testing.T) {
	srv := testnats.New(t)
	srv.Start()
	url := srv.URL()

	cfg := testConfig(t)
	cfg.NATSURL = url
	r := startService(t, cfg)
	c := collect(t, url, "PBX_EVENTS")
	runLogger(t, "--server", "127.0.0.1", "--port", port(r.svc.Addrs().SyslogTCP), "--tcp", "--octet-count",
		"--rfc5424", "-t", "MiVB", "-p", "user.err", licenceMinor+" #interop")
	got := c.next(1)[0]
	assert.Equal(t, events.TypeLicenceViolation, got.event.Type)
	assert.Equal(t, events.SeverityMinor, got.event.Data.Severity)
	assert.Equal(t, url, r.svc.Addrs().NATS)
}

// corpusPath finds the shared wild-syslog corpus (CI has a copy beside the
// clone) or PBXALARM_SYSLOG_CORPUS.
func corpusPath(t *testing.T) string {
	if p := os.Getenv("PBXALARM_SYSLOG_CORPUS"); p != "" {
		return p
	}
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "corpus", "syslog-wild", "lines.tsv")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// unescapeCorpus decodes the corpus's \\ \t \r \n \0 escapes.
func unescapeCorpus(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if b, ok := map[byte]byte{'\\': '\\', 't': '\t', 'r': '\r', 'n': '\n', '0': 0}[s[i+1]]; ok {
				out = append(out, b)
				i++
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}

// Every record of the wild corpus, sent as one datagram, becomes exactly one
// event on the stream with its raw bytes unchanged.
func TestServe_WildCorpusEveryLineOneEvent(t *testing.T) {
	path := corpusPath(t)
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("wild syslog corpus not found at %q (set PBXALARM_SYSLOG_CORPUS; CI has it beside the clone): %v", path, err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := bytes.SplitN(sc.Bytes(), []byte("\t"), 3)
		require.Len(t, fields, 3)
		lines = append(lines, unescapeCorpus(fields[2]))
	}
	require.NoError(t, sc.Err())
	require.Len(t, lines, 366)

	r := startService(t, testConfig(t))
	c := collect(t, r.svc.Addrs().NATS, "PBX_EVENTS")
	conn, err := net.Dial("udp", r.svc.Addrs().SyslogUDP.String())
	require.NoError(t, err)
	defer conn.Close()
	want := map[string]int{}
	for _, l := range lines {
		_, err := conn.Write(l)
		require.NoError(t, err)
		want[string(l)]++
		// pace the datagrams so the test measures parsing, not the socket buffer
		if len(want)%50 == 0 {
			c.waitPublished(t, r, len(want))
		}
	}
	got := c.next(len(lines))
	c.none(500 * time.Millisecond)
	for _, g := range got {
		raw, err := g.event.Data.RawBytes()
		require.NoError(t, err)
		want[string(raw)]--
	}
	for l, n := range want {
		assert.Zero(t, n, "record %q: want exactly one event, off by %d", l, n)
	}
}

// waitPublished waits until the pipeline has handled n messages.
func (c *collector) waitPublished(t *testing.T, r *running, n int) {
	require.Eventually(t, func() bool { return r.svc.Pipeline().Stats().Received.Load() >= uint64(n) },
		10*time.Second, 5*time.Millisecond, "pipeline received fewer than "+strconv.Itoa(n))
}
