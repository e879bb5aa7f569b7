package syslog

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestTCP_DeliversFramesOfEveryFraming(t *testing.T) {
	s := startTCP(t)
	sendTCP(t, s.addr, []byte("<13>Aug 21 09:14:02 host app: lf\n"+
		"<13>Aug 21 09:14:02 host app: crlf\r\n"+
		"<13>Aug 21 09:14:02 host app: nul\x00"+
		"37 <13>Aug 21 09:14:02 host app: counted"+
		"<13>Aug 21 09:14:02 host app: unterminated at EOF"))
	waitFor(t, "five messages", func() bool { return s.rec.count() == 5 })
	want := []struct{ text, framing string }{
		{"lf", FramingLF}, {"crlf", FramingLF}, {"nul", FramingNUL}, {"counted", FramingOctetCounting},
		{"unterminated at EOF", FramingLF},
	}
	for i, m := range s.rec.all() {
		if m.Text != want[i].text || m.Header.Framing != want[i].framing || m.Transport != TransportTCP {
			t.Errorf("message %d: text %q framing %q transport %q; want %q %q tcp", i, m.Text, m.Header.Framing, m.Transport, want[i].text, want[i].framing)
		}
		if bytes.HasSuffix(m.Raw, []byte("\r")) || bytes.HasSuffix(m.Raw, []byte("\n")) {
			t.Errorf("message %d: raw %q keeps its terminator", i, m.Raw)
		}
	}
	if snap := s.stats.Snapshot(); snap["received_tcp"] != 5 || snap["truncated"] != 1 {
		t.Errorf("stats = %v", snap)
	}
}

// TestTCP_BadInputIsCountedAndNeighboursArrive writes a valid frame, the
// bad input and another valid frame on one connection.
func TestTCP_BadInputIsCountedAndNeighboursArrive(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 1<<20)
	tests := []struct {
		name      string
		bad       []byte
		delivered []string // frames the bad input becomes
		counter   string   // the counter that must rise by one
	}{
		{"pri only", []byte("<13>\n"), []string{"<13>"}, "unparsed"},
		{"header without message", []byte("<13>Aug 21 09:14:02 host\n"), []string{"<13>Aug 21 09:14:02 host"}, "received_tcp"},
		{"negative octet count", []byte("-5 <13>hello\n"), []string{"-5 <13>hello"}, "unparsed"},
		{"absurd octet count", []byte("214000000000 <13>hello\n"), []string{"214000000000 <13>hello"}, "unparsed"},
		{"zero octet count", []byte("0 <13>hello\n"), []string{"0 <13>hello"}, "unparsed"},
		{"1 MiB LF frame", append(append([]byte("<13>"), big...), '\n'), nil, "rejected_oversize"},
		{"1 MiB octet-counted frame", append([]byte("1048580 <13>"), big...), nil, "rejected_oversize"},
		{"invalid UTF-8", []byte("<13>Aug 21 09:14:02 host app: \xff\xfe\n"), []string{"<13>Aug 21 09:14:02 host app: \xff\xfe"}, "received_tcp"},
		{"NUL bytes end frames", []byte("<13>a\x00b\x00"), []string{"<13>a", "b"}, "unparsed"},
		{"empty lines", []byte("\n"), nil, "rejected_empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startTCP(t)
			c, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			write := func(b []byte) {
				if _, err := c.Write(b); err != nil {
					t.Fatal(err)
				}
			}
			write([]byte("<13>Aug 21 09:14:02 host app: before\n"))
			waitFor(t, "the first valid message", func() bool { return s.rec.count() == 1 })
			before := s.stats.Snapshot()
			write(tt.bad)
			write([]byte("<13>Aug 21 09:14:03 host app: after\n"))
			want := append(append([]string{"<13>Aug 21 09:14:02 host app: before"}, tt.delivered...), "<13>Aug 21 09:14:03 host app: after")
			waitFor(t, "the valid message after", func() bool { return s.rec.count() == len(want) })
			if got := s.rec.raws(); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("messages = %q, want %q", got, want)
			}
			if got := s.stats.Snapshot()[tt.counter]; got < before[tt.counter]+1 {
				t.Errorf("%s = %d, want at least %d", tt.counter, got, before[tt.counter]+1)
			}
			if tt.delivered == nil && s.logs.Count("syslog: input rejected") != 1 {
				t.Errorf("want one rejection logged, got:\n%s", s.logs)
			}
		})
	}
}

func TestTCP_TLSClientHelloOnPlainPortIsRefused(t *testing.T) {
	s := startTCP(t)
	sendTCP(t, s.addr, []byte("<13>before\n"))
	waitFor(t, "the message before", func() bool { return s.rec.count() == 1 })

	c, err := tls.Dial("tcp", s.addr, &tls.Config{InsecureSkipVerify: true})
	if err == nil {
		c.Close()
		t.Fatal("TLS handshake with the plain TCP port succeeded")
	}
	waitFor(t, "the rejection", func() bool { return s.stats.Rejected(ReasonTLSOnPlainPort) == 1 })
	sendTCP(t, s.addr, []byte("<13>after\n"))
	waitFor(t, "the message after", func() bool { return s.rec.count() == 2 })
	if got := s.rec.raws(); got[0] != "<13>before" || got[1] != "<13>after" {
		t.Errorf("messages = %q", got)
	}
	if s.logs.Count("reason=tls_on_plain_port") != 1 {
		t.Errorf("rejection not logged:\n%s", s.logs)
	}
}

func TestTCP_ConnectionsBeyondTheLimitAreClosed(t *testing.T) {
	s := startTCP(t, WithMaxConnections(2))
	var open []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		open = append(open, c)
	}
	waitFor(t, "two connections", func() bool { return s.stats.Snapshot()["connections_open"] == 2 })

	extra, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(waitTimeout))
	if _, err := extra.Read(make([]byte, 1)); err == nil {
		t.Error("the connection beyond the limit was not closed")
	}
	if got := s.stats.Rejected(ReasonConnectionLimit); got != 1 {
		t.Errorf("connection_limit = %d, want 1", got)
	}

	// The connections within the limit still work, and a freed slot is
	// usable again.
	if _, err := open[0].Write([]byte("<13>within\n")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the message", func() bool { return s.rec.count() == 1 })
	open[1].Close()
	waitFor(t, "a free slot", func() bool { return s.stats.Snapshot()["connections_open"] == 1 })
	sendTCP(t, s.addr, []byte("<13>again\n"))
	waitFor(t, "the message on the freed slot", func() bool { return s.rec.count() == 2 })
}

func TestTCP_IdleConnectionIsClosed(t *testing.T) {
	s := startTCP(t, WithIdleTimeout(50*time.Millisecond))
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("<13>partial, then silence")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(waitTimeout))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("read = %v, want EOF from the server closing", err)
	}
	waitFor(t, "the idle close to be counted", func() bool { return s.stats.Snapshot()["connections_idle_closed"] == 1 })
	// The bytes read before the timeout are not lost.
	if got := s.rec.raws(); len(got) != 1 || got[0] != "<13>partial, then silence" {
		t.Errorf("messages = %q", got)
	}
}

// raiseFileLimit lets the test hold thousands of sockets.
func raiseFileLimit(t *testing.T, want uint64) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= want {
		return
	}
	old := lim
	lim.Cur = min(want, lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < want {
		t.Fatalf("need %d file descriptors, limit %d: %v", want, lim.Cur, err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

func TestTCP_ThousandsOfIdleClientsStillServedAndShutdownCompletes(t *testing.T) {
	const idle = 2000
	raiseFileLimit(t, 2*idle+200)
	base := runtime.NumGoroutine()
	s := startTCP(t)
	conns := make([]net.Conn, 0, idle)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range idle {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatalf("dial after %d connections: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	waitFor(t, "every idle connection accepted", func() bool { return s.stats.Snapshot()["connections_open"] == idle })

	sendTCP(t, s.addr, []byte("<13>Aug 21 09:14:02 host app: still served\n"))
	waitFor(t, "the message", func() bool { return s.rec.count() == 1 })

	s.stop() // fails the test if Serve does not return
	for _, c := range conns[:10] {
		c.SetReadDeadline(time.Now().Add(waitTimeout))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatal("an idle connection was left open after Serve returned")
		}
	}
	if _, err := net.Dial("tcp", s.addr); err == nil {
		t.Error("the listening socket still accepts after Serve returned")
	}
	waitFor(t, "the connection goroutines to exit", func() bool { return runtime.NumGoroutine() <= base })
}

func TestTCP_ServeTwiceFails(t *testing.T) {
	l, err := ListenTCP("127.0.0.1:0", new(recorder), WithLogger(discardLogger()))
	if err != nil {
		t.Fatal(err)
	}
	serve(t, l, nil, nil, nil)
	waitFor(t, "the first Serve to start", l.serving.Load)
	if err := l.Serve(t.Context()); err == nil {
		t.Error("second Serve returned nil")
	}
}

// blockingHandler holds every message until released, as a slow
// publisher would.
type blockingHandler struct {
	rec     recorder
	release chan struct{}
}

func (h *blockingHandler) HandleSyslog(ctx context.Context, m *Message) error {
	select {
	case <-h.release:
	case <-ctx.Done():
	}
	return h.rec.HandleSyslog(ctx, m)
}

func TestTCP_HandlerErrorIsCountedAndTheStreamGoesOn(t *testing.T) {
	stats := new(Stats)
	calls := 0
	h := HandlerFunc(func(ctx context.Context, m *Message) error {
		calls++
		if calls == 1 {
			return errors.New("publish failed")
		}
		return nil
	})
	l, err := ListenTCP("127.0.0.1:0", h, WithStats(stats), WithLogger(discardLogger()))
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, l, nil, stats, nil)
	sendTCP(t, s.addr, []byte("<13>one\n<13>two\n"))
	waitFor(t, "both messages received", func() bool { return stats.Received(TransportTCP) == 2 })
	if got := stats.Rejected(ReasonHandlerError); got != 1 {
		t.Errorf("handler_error = %d, want 1", got)
	}
}

func TestTCP_ShutdownHandsOverFramesAlreadyRead(t *testing.T) {
	h := &blockingHandler{release: make(chan struct{})}
	l, err := ListenTCP("127.0.0.1:0", h, WithLogger(discardLogger()))
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, l, &h.rec, nil, nil)
	// Three frames in one write: the first blocks in the handler, the
	// other two are already in the framer's buffer.
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("<13>one\n<13>two\n<13>three\n"))
	waitFor(t, "the first frame in the handler", func() bool { return l.Stats().Received(TransportTCP) >= 1 })
	s.stop()
	if got := h.rec.raws(); strings.Join(got, "|") != "<13>one|<13>two|<13>three" {
		t.Errorf("messages handed over = %q", got)
	}
}

// Lines a sender wrote before the shutdown but that still sit in the socket
// buffers (the handler was slow) are read and handed over, not cut off
// with the connection.
func TestTCP_ShutdownDrainsWhatSendersAlreadyWrote(t *testing.T) {
	release := make(chan struct{})
	rec := new(recorder)
	h := HandlerFunc(func(ctx context.Context, m *Message) error {
		<-release // a publisher stalled for a moment, whatever the listener's context
		return rec.HandleSyslog(ctx, m)
	})
	l, err := ListenTCP("127.0.0.1:0", h, WithLogger(discardLogger()))
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, l, rec, nil, nil)
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n = 5000 // about 150 KB: more than the framer holds, so most waits in the kernel
	for i := range n {
		if _, err := fmt.Fprintf(c, "<13>line %05d %s\n", i, strings.Repeat("x", 16)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the first frame in the handler", func() bool { return l.Stats().Received(TransportTCP) >= 1 })
	stopped := make(chan struct{})
	go func() { s.stop(); close(stopped) }()
	time.Sleep(100 * time.Millisecond) // the shutdown has begun with everything still unread
	close(release)
	<-stopped
	if got := rec.count(); got != n {
		t.Errorf("handed over %d of %d lines written before the shutdown", got, n)
	}
}
