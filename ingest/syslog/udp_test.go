package syslog

import (
	"bytes"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestUDP_DeliversEachDatagramParsed(t *testing.T) {
	s := startUDP(t)
	before := time.Now()
	sendUDP(t, s.addr, []byte("<12>Aug 21 09:14:02 mivb-1 MiVB[812]: License Violation: level Minor"))
	waitFor(t, "one message", func() bool { return s.rec.count() == 1 })

	m := s.rec.all()[0]
	if m.Transport != TransportUDP {
		t.Errorf("transport = %q", m.Transport)
	}
	if !m.Peer.Addr().Is4() || m.Peer.Addr().String() != "127.0.0.1" || m.Peer.Port() == 0 {
		t.Errorf("peer = %v, want 127.0.0.1 (unmapped) with a port", m.Peer)
	}
	if m.ReceivedAt.Before(before) {
		t.Errorf("received at %v, before the send at %v", m.ReceivedAt, before)
	}
	if string(m.Raw) != "<12>Aug 21 09:14:02 mivb-1 MiVB[812]: License Violation: level Minor" {
		t.Errorf("raw = %q", m.Raw)
	}
	h := m.Header
	if h.Format != FormatRFC3164 || h.Hostname != "mivb-1" || h.AppName != "MiVB" || h.ProcID != "812" ||
		*h.Facility != 1 || *h.Severity != 4 || h.Framing != "" {
		t.Errorf("header = %+v", h)
	}
	if m.Text != "License Violation: level Minor" {
		t.Errorf("text = %q", m.Text)
	}
	if got := s.stats.Received(TransportUDP); got != 1 {
		t.Errorf("received_udp = %d", got)
	}
}

// TestUDP_BadInputIsCountedAndNeighboursArrive sends a valid datagram, the
// bad one, and another valid one, for each kind of bad input.
func TestUDP_BadInputIsCountedAndNeighboursArrive(t *testing.T) {
	tests := []struct {
		name      string
		bad       []byte
		opts      []Option
		delivered bool   // the bad datagram is still delivered (raw)
		format    string // its header format, if delivered
		counter   string // the counter that must rise by one
	}{
		{name: "empty datagram", bad: []byte{}, counter: "rejected_empty"},
		{name: "oversize datagram", bad: bytes.Repeat([]byte("x"), 65000), opts: []Option{WithMaxFrameSize(8 << 10)}, counter: "rejected_oversize"},
		{name: "pri only", bad: []byte("<13>"), delivered: true, format: FormatNone, counter: "unparsed"},
		{name: "header without message", bad: []byte("<13>Aug 21 09:14:02 host"), delivered: true, format: FormatRFC3164, counter: "received_udp"},
		{name: "octet count on a datagram", bad: []byte("-5 <13>hello"), delivered: true, format: FormatNone, counter: "unparsed"},
		{name: "invalid UTF-8", bad: []byte("<13>Aug 21 09:14:02 host app: \xff\xfe\xc0"), delivered: true, format: FormatRFC3164, counter: "received_udp"},
		{name: "NUL bytes", bad: []byte("<13>Aug 21 09:14:02 host app: a\x00b\x00\x00"), delivered: true, format: FormatRFC3164, counter: "received_udp"},
		{name: "garbage", bad: []byte{0x16, 0x03, 0x01, 0x00, 0xff, 0x01}, delivered: true, format: FormatNone, counter: "unparsed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startUDP(t, tt.opts...)
			valid1, valid2 := []byte("<13>Aug 21 09:14:02 host app: before"), []byte("<13>Aug 21 09:14:03 host app: after")
			sendUDP(t, s.addr, valid1)
			waitFor(t, "the first valid message", func() bool { return s.rec.count() == 1 })
			before := s.stats.Snapshot()
			sendUDP(t, s.addr, tt.bad)
			waitFor(t, tt.counter+" to rise", func() bool { return s.stats.Snapshot()[tt.counter] == before[tt.counter]+1 })
			sendUDP(t, s.addr, valid2)
			want := 2
			if tt.delivered {
				want = 3
			}
			waitFor(t, "the valid message after", func() bool { return s.rec.count() == want })

			raws := s.rec.raws()
			if raws[0] != string(valid1) || raws[len(raws)-1] != string(valid2) {
				t.Errorf("messages = %q", raws)
			}
			if tt.delivered {
				m := s.rec.all()[1]
				if !bytes.Equal(m.Raw, tt.bad) || m.Header.Format != tt.format {
					t.Errorf("bad datagram delivered as %q, format %q; want it raw, format %q", m.Raw, m.Header.Format, tt.format)
				}
			} else if s.logs.Count("syslog: input rejected") != 1 || s.logs.Count("peer=127.0.0.1:") != 1 {
				t.Errorf("want one log line naming the sender, got:\n%s", s.logs)
			}
		})
	}
}

func TestUDP_SeveralReadersShareTheLoad(t *testing.T) {
	s := startUDP(t, WithReaders(4))
	const n = 200
	for i := range n {
		sendUDP(t, s.addr, []byte("<13>Aug 21 09:14:02 host app: message "+strings.Repeat("x", i%50)))
		if i%20 == 19 {
			waitFor(t, "a batch", func() bool { return s.rec.count() == i+1 })
		}
	}
	waitFor(t, "every message", func() bool { return s.rec.count() == n })
}

func TestUDP_ServeReleasesSocketAndGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	s := startUDP(t, WithReaders(8))
	sendUDP(t, s.addr, []byte("<13>hello"))
	waitFor(t, "a message", func() bool { return s.rec.count() == 1 })
	s.stop()

	// The port is free again once Serve has returned.
	c, err := net.ListenPacket("udp", s.addr)
	if err != nil {
		t.Fatalf("port still held after Serve returned: %v", err)
	}
	c.Close()
	waitFor(t, "the readers to exit", func() bool { return runtime.NumGoroutine() <= base })
}

func TestUDP_ServeTwiceFails(t *testing.T) {
	l, err := ListenUDP("127.0.0.1:0", new(recorder), WithLogger(discardLogger()))
	if err != nil {
		t.Fatal(err)
	}
	serve(t, l, nil, nil, nil)
	waitFor(t, "the first Serve to start", l.serving.Load)
	if err := l.Serve(t.Context()); err == nil {
		t.Error("second Serve returned nil")
	}
}

func TestUDP_ListenReportsBadAddress(t *testing.T) {
	if _, err := ListenUDP("127.0.0.1:99999", new(recorder)); err == nil || !strings.Contains(err.Error(), "syslog: ") {
		t.Errorf("err = %v, want a syslog error", err)
	}
}

func TestUDP_LogsGrantedReadBuffer(t *testing.T) {
	log, logs := newTestLogger()
	l, err := ListenUDP("127.0.0.1:0", new(recorder), WithLogger(log), WithReadBuffer(256<<10))
	if err != nil {
		t.Fatal(err)
	}
	defer serve(t, l, nil, nil, nil).stop()
	if logs.Count("granted=") != 1 {
		t.Errorf("no log line with the granted buffer size:\n%s", logs)
	}
}
