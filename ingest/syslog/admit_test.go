package syslog

import (
	"crypto/tls"
	"fmt"
	"math"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// Linux routes all of 127/8 to lo, so a client socket bound to 127.0.0.2
// is a second sender on the same machine.
var (
	polite  = netip.MustParseAddr("127.0.0.1")
	outside = netip.MustParseAddr("127.0.0.2")
	onlyOne = netip.MustParsePrefix("127.0.0.1/32")
)

// dialFrom connects to addr over network ("udp" or "tcp") from a socket
// bound to the source address from.
func dialFrom(t testing.TB, network string, from netip.Addr, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{}
	switch network {
	case "udp":
		d.LocalAddr = net.UDPAddrFromAddrPort(netip.AddrPortFrom(from, 0))
	case "tcp":
		d.LocalAddr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(from, 0))
	}
	c, err := d.Dial(network, addr)
	if err != nil {
		t.Fatalf("dial %s %s from %s: %v", network, addr, from, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// from counts the messages the recorder holds from one sender.
func (r *recorder) from(a netip.Addr) int {
	n := 0
	for _, m := range r.all() {
		if m.Peer.Addr() == a {
			n++
		}
	}
	return n
}

func TestUDP_AllowListDropsOtherSenders(t *testing.T) {
	s := startUDP(t, WithAllow(onlyOne))
	in, out := dialFrom(t, "udp", polite, s.addr), dialFrom(t, "udp", outside, s.addr)
	for i := range 5 {
		fmt.Fprintf(out, "<13>from outside %d", i)
		fmt.Fprintf(in, "<13>from inside %d", i)
	}
	waitFor(t, "five allowed messages and five not_allowed", func() bool {
		return s.rec.count() == 5 && s.stats.Rejected(ReasonNotAllowed) == 5
	})
	if n := s.rec.from(polite); n != 5 {
		t.Errorf("%d of 5 messages from the allowed sender", n)
	}
	if got := s.stats.Received(TransportUDP); got != 5 {
		t.Errorf("received_udp = %d, want 5", got)
	}
	if s.logs.Count("reason=not_allowed") == 0 || !strings.Contains(s.logs.String(), "peer=127.0.0.2:") {
		t.Errorf("the rejection is not logged with its reason and sender:\n%s", s.logs)
	}
	if s.logs.Count(`msg="syslog: admission"`) != 1 {
		t.Errorf("the rules are not logged once at start:\n%s", s.logs)
	}
}

func TestStream_AllowListClosesOtherSendersAtAccept(t *testing.T) {
	p := newTestPKI(t)
	clientTLS := &tls.Config{RootCAs: p.caPool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) *server
		wrap  func(net.Conn) net.Conn
	}{
		{"tcp", func(t *testing.T) *server { return startTCP(t, WithAllow(onlyOne)) }, func(c net.Conn) net.Conn { return c }},
		{"tls", func(t *testing.T) *server { return startTLS(t, p, "", WithAllow(onlyOne)) },
			func(c net.Conn) net.Conn { return tls.Client(c, clientTLS) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.start(t)
			out := tc.wrap(dialFrom(t, "tcp", outside, s.addr))
			out.SetDeadline(time.Now().Add(waitTimeout))
			// Closed at accept: the write may still be buffered, the read
			// (or the TLS handshake under it) fails.
			out.Write([]byte("<13>from outside\n"))
			if _, err := out.Read(make([]byte, 1)); err == nil {
				t.Error("the connection from outside the allow-list was not closed")
			}
			in := tc.wrap(dialFrom(t, "tcp", polite, s.addr))
			if _, err := in.Write([]byte("<13>from inside\n")); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the allowed message", func() bool { return s.rec.count() == 1 })
			if got := s.rec.from(polite); got != 1 {
				t.Errorf("%d messages from the allowed sender, want 1", got)
			}
			snap := s.stats.Snapshot()
			if snap["rejected_not_allowed"] != 1 || snap["connections_accepted"] != 1 {
				t.Errorf("want one not_allowed and one accepted connection: %v", snap)
			}
			if snap["rejected_tls_handshake"] != 0 {
				t.Errorf("the refused connection reached the TLS handshake: %v", snap)
			}
		})
	}
}

// rateBound is the most a bucket of burst refilled at rate can have let
// through in elapsed: the test's bound on what a flooder gets.
func rateBound(rate float64, burst int, elapsed time.Duration) int {
	return burst + int(math.Ceil(rate*elapsed.Seconds()))
}

// A flooder far above its rate loses what is beyond it, each loss counted;
// a second sender within its rate loses nothing.
func TestUDP_RateLimitPerSender(t *testing.T) {
	const rate, burst, flood, batch, politeN = 2, 10, 1000, 50, 5
	s := startUDP(t, WithRateLimit(rate, burst))
	flooder, other := dialFrom(t, "udp", outside, s.addr), dialFrom(t, "udp", polite, s.addr)
	start := time.Now()
	for i := range flood {
		fmt.Fprintf(flooder, "<13>flood %d", i)
		if i%(flood/politeN) == 0 {
			fmt.Fprintf(other, "<13>polite %d", i)
		}
		// Let the reader catch up after each batch, so that the socket
		// buffer never overflows: every datagram is either delivered or
		// counted, none lost in the kernel.
		if (i+1)%batch == 0 {
			waitFor(t, "the batch read", func() bool {
				return s.rec.from(outside)+int(s.stats.Rejected(ReasonRateLimited)) == i+1
			})
		}
	}
	waitFor(t, "every polite message", func() bool { return s.rec.from(polite) == politeN })
	elapsed := time.Since(start)
	delivered, limited := s.rec.from(outside), int(s.stats.Rejected(ReasonRateLimited))
	if delivered+limited != flood {
		t.Errorf("flooder: %d delivered + %d rate_limited != %d sent", delivered, limited, flood)
	}
	if bound := rateBound(rate, burst, elapsed); delivered > bound || delivered < burst {
		t.Errorf("flooder: %d delivered in %v, want %d (its burst) to %d", delivered, elapsed, burst, bound)
	}
	if s.logs.Count("reason=rate_limited") == 0 {
		t.Errorf("rate limiting is not logged:\n%s", s.logs)
	}
}

// Over TCP the limit is per sender, not per connection: a flooder's two
// connections share one bucket; each frame beyond it is dropped and
// counted while the connection stays open, and the other sender loses
// nothing.
func TestTCP_RateLimitPerSenderPerFrame(t *testing.T) {
	const rate, burst, perConn, politeN = 2, 10, 250, 5
	s := startTCP(t, WithRateLimit(rate, burst))
	start := time.Now()
	var frames strings.Builder
	for i := range perConn {
		fmt.Fprintf(&frames, "<13>flood %d\n", i)
	}
	for range 2 {
		c := dialFrom(t, "tcp", outside, s.addr)
		if _, err := c.Write([]byte(frames.String())); err != nil {
			t.Fatal(err)
		}
	}
	other := dialFrom(t, "tcp", polite, s.addr)
	for i := range politeN {
		fmt.Fprintf(other, "<13>polite %d\n", i)
	}
	waitFor(t, "every frame delivered or counted", func() bool {
		return s.rec.from(outside)+int(s.stats.Rejected(ReasonRateLimited)) == 2*perConn && s.rec.from(polite) == politeN
	})
	elapsed := time.Since(start)
	delivered := s.rec.from(outside)
	if bound := rateBound(rate, burst, elapsed); delivered > bound || delivered < burst {
		t.Errorf("flooder: %d delivered over two connections in %v, want %d (one burst) to %d", delivered, elapsed, burst, bound)
	}
	if got := s.stats.Snapshot()["connections_open"]; got != 3 {
		t.Errorf("connections_open = %d, want 3: rate limiting drops frames, not connections", got)
	}
}

func TestListen_RejectsBadAdmission(t *testing.T) {
	for _, opt := range []Option{WithRateLimit(-1, 0), WithRateLimit(1, -5), WithAllow(netip.Prefix{})} {
		if l, err := ListenUDP("127.0.0.1:0", new(recorder), opt); err == nil {
			l.conn.Close()
			t.Error("ListenUDP accepted a bad admission option")
		}
		if l, err := ListenTCP("127.0.0.1:0", new(recorder), opt); err == nil {
			l.ln.Close()
			t.Error("ListenTCP accepted a bad admission option")
		}
	}
}
