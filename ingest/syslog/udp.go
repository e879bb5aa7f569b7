package syslog

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbxalarm/pbxalarm/ingest/admit"
	"github.com/pbxalarm/pbxalarm/ingest/internal/udpbuf"
)

// maxDatagram is the receive buffer size: the largest UDP payload and one
// byte more, so that a datagram the buffer truncated is seen to be too long.
const maxDatagram = 64<<10 + 1

// UDPListener receives syslog datagrams (RFC 5426): each datagram is one
// message.
type UDPListener struct {
	conn    *net.UDPConn
	h       Handler
	cfg     config
	rej     *rejecter
	gate    *admit.Gate // nil: every sender, any rate
	pool    sync.Pool
	serving atomic.Bool
}

// ListenUDP binds a UDP socket on addr (host:port; port 0 picks a free
// one) at once, so that errors and the port are known before Serve.
func ListenUDP(addr string, h Handler, opts ...Option) (*UDPListener, error) {
	cfg := newConfig(opts)
	gate, err := cfg.gate()
	if err != nil {
		return nil, err
	}
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("syslog: resolve udp %s: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("syslog: listen udp %s: %w", addr, err)
	}
	granted, err := udpbuf.Set(conn, cfg.readBuffer)
	if err != nil {
		cfg.logger.Warn("syslog: cannot set the UDP receive buffer", "addr", conn.LocalAddr().String(), "want", cfg.readBuffer, "err", err)
	} else {
		// Linux reports twice the usable size (it counts its bookkeeping).
		cfg.logger.Info("syslog: UDP receive buffer", "addr", conn.LocalAddr().String(), "want", cfg.readBuffer, "granted", granted)
	}
	if gate != nil {
		cfg.logger.Info("syslog: admission", "transport", TransportUDP, "addr", conn.LocalAddr().String(), "rules", gate.String())
	}
	l := &UDPListener{conn: conn, h: h, cfg: cfg, rej: newRejecter(cfg.stats, cfg.logger), gate: gate}
	l.pool.New = func() any {
		b := make([]byte, maxDatagram)
		return &b
	}
	return l, nil
}

// Addr returns the address the socket is bound to.
func (l *UDPListener) Addr() net.Addr { return l.conn.LocalAddr() }

// Stats returns the counters the listener updates.
func (l *UDPListener) Stats() *Stats { return l.cfg.stats }

// Serve reads datagrams with several goroutines and hands each to the
// handler until ctx ends; it then closes the socket, waits for the
// readers (and so for the handler calls under way) and returns nil. It
// returns an error if called twice.
func (l *UDPListener) Serve(ctx context.Context) error {
	if !l.serving.CompareAndSwap(false, true) {
		return errors.New("syslog: udp listener already served")
	}
	var wg sync.WaitGroup
	for range l.cfg.readers {
		wg.Go(func() { l.read(ctx) })
	}
	<-ctx.Done()
	l.conn.Close()
	wg.Wait()
	return nil
}

func (l *UDPListener) read(ctx context.Context) {
	for {
		bp := l.pool.Get().(*[]byte)
		n, peer, err := l.conn.ReadFromUDPAddrPort(*bp)
		if err != nil {
			l.pool.Put(bp)
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return
			}
			l.cfg.stats.readErrors.Add(1)
			l.rej.logLimited("syslog: udp read failed", "read_error", TransportUDP, peer, "err", err)
			continue
		}
		l.handle(ctx, (*bp)[:n], unmap(peer))
		l.pool.Put(bp)
	}
}

func (l *UDPListener) handle(ctx context.Context, b []byte, peer netip.AddrPort) {
	switch l.gate.Allow(peer.Addr()) {
	case admit.NotAllowed:
		l.rej.reject(ReasonNotAllowed, TransportUDP, peer)
		return
	case admit.RateLimited:
		l.rej.reject(ReasonRateLimited, TransportUDP, peer)
		return
	}
	switch {
	case len(b) == 0:
		l.rej.reject(ReasonEmpty, TransportUDP, peer)
		return
	case len(b) > l.cfg.maxFrame:
		l.rej.reject(ReasonOversize, TransportUDP, peer, "size", len(b), "max", l.cfg.maxFrame)
		return
	}
	deliver(ctx, l.h, &l.cfg, l.rej, TransportUDP, peer, b, "")
}

// deliver parses one frame and hands it to the handler.
func deliver(ctx context.Context, h Handler, cfg *config, rej *rejecter, transport string, peer netip.AddrPort, raw []byte, framing string) {
	now := time.Now()
	m := &Message{Transport: transport, Peer: peer, ReceivedAt: now, Raw: raw}
	m.Header, m.Text = cfg.parser.ParseFrom(raw, now, peer.Addr())
	m.Header.Framing = framing
	cfg.stats.received[transportIndex(transport)].Add(1)
	if m.Header.Format == FormatNone {
		cfg.stats.unparsed.Add(1)
	}
	if err := h.HandleSyslog(ctx, m); err != nil {
		rej.reject(ReasonHandlerError, transport, peer, "err", err)
	}
}

// unmap turns an IPv4-mapped IPv6 address into plain IPv4.
func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
