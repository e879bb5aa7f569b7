package emulator

import (
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// smallScenario is a fleet of three on the default schedule over ten
// days: a violation that escalates and clears, a restart, an alarm, and
// noise with malformed records.
const smallScenario = `
name: small
start: 2021-03-01T00:00:00Z
duration: 10d
seed: 42
noise:
  records_per_day: 3
  software_per_day: 1
  alarms_per_week: 2
  malformed_share: 0.2
  jitter: 1m
systems:
  - name: PBX-A
    release: 8.0 SP2
    licences:
      ip_user: {purchased: 10, used: 9}
    events:
      - after: 12h
        do: overuse
        licence: ip_user
        used: 12
      - after: 8d
        do: add_licences
        licence: ip_user
        purchased: 20
  - name: PBX-B
    release: 9.0 SP3
    platform: MCD
    events:
      - after: 3d
        do: reboot
        cause: software failure
      - after: 5d
        do: alarm
        category: Fans
        level: Major
        for: 6h
  - name: PBX-C
    release: 7.0 SP1 PR2
    events:
      - after: 1d
        do: expire
`

func mustParse(t testing.TB, y string) Scenario {
	t.Helper()
	sc, err := Parse([]byte(y))
	require.NoError(t, err)
	return sc
}

// datagram is what a UDP test receiver got.
type datagram struct {
	from netip.AddrPort
	data []byte
}

// udpReceiver collects datagrams on 127.0.0.1 until the test ends.
type udpReceiver struct {
	conn *net.UDPConn
	mu   sync.Mutex
	got  []datagram
}

func newUDPReceiver(t testing.TB) *udpReceiver {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	_ = c.SetReadBuffer(8 << 20)
	r := &udpReceiver{conn: c}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			r.mu.Lock()
			r.got = append(r.got, datagram{from, append([]byte(nil), buf[:n]...)})
			r.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.Close(); <-done })
	return r
}

func (r *udpReceiver) addr() string { return r.conn.LocalAddr().String() }

func (r *udpReceiver) all() []datagram {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]datagram(nil), r.got...)
}

// waitFor waits, up to a deadline, until cond holds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stream is what one TCP connection to a test receiver carried.
type stream struct {
	from netip.AddrPort
	data []byte
}

// tcpReceiver accepts connections on 127.0.0.1 and keeps what each sent.
type tcpReceiver struct {
	ln      net.Listener
	mu      sync.Mutex
	streams []*stream
	conns   []net.Conn
	wg      sync.WaitGroup
	once    sync.Once
}

func newTCPReceiver(t testing.TB) *tcpReceiver {
	t.Helper()
	return serveTCP(t, listenOn(t, "127.0.0.1:0"))
}

func listenOn(t testing.TB, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	return ln
}

func serveTCP(t testing.TB, ln net.Listener) *tcpReceiver {
	r := &tcpReceiver{ln: ln}
	r.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s := &stream{from: netip.MustParseAddrPort(c.RemoteAddr().String())}
			r.mu.Lock()
			r.streams = append(r.streams, s)
			r.conns = append(r.conns, c)
			r.mu.Unlock()
			r.wg.Go(func() {
				buf := make([]byte, 32<<10)
				for {
					n, err := c.Read(buf)
					r.mu.Lock()
					s.data = append(s.data, buf[:n]...)
					r.mu.Unlock()
					if err != nil {
						return
					}
				}
			})
		}
	})
	t.Cleanup(r.stop)
	return r
}

// stop closes the listener and every connection, as a receiver that goes
// away does.
func (r *tcpReceiver) stop() {
	r.once.Do(func() {
		r.ln.Close()
		r.mu.Lock()
		for _, c := range r.conns {
			c.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
}

func (r *tcpReceiver) addr() string { return r.ln.Addr().String() }

func (r *tcpReceiver) all() []stream {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]stream, len(r.streams))
	for i, s := range r.streams {
		out[i] = stream{s.from, append([]byte(nil), s.data...)}
	}
	return out
}

func (r *tcpReceiver) bytes() int {
	n := 0
	for _, s := range r.all() {
		n += len(s.data)
	}
	return n
}

func netipMust(s string) netip.Addr { return netip.MustParseAddr(s) }
