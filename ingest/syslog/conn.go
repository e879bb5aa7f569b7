package syslog

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"time"
)

// serveConn reads frames from one connection until it ends, fails, stays
// idle too long or the listener stops.
func (l *StreamListener) serveConn(ctx context.Context, c net.Conn, peer netip.AddrPort) {
	conn := c
	if l.tls != nil {
		tc, ok := l.handshake(ctx, c, peer)
		if !ok {
			return
		}
		conn = tc
	}
	f := newFramer(&idleReader{c: conn, timeout: l.cfg.idleTimeout, drainBy: &l.drainBy}, l.cfg.maxFrame)
	if l.tls == nil {
		if b := f.peek(2); len(b) == 2 && b[0] == 0x16 && b[1] == 0x03 {
			l.rej.reject(ReasonTLSOnPlainPort, l.transport, peer)
			return
		}
	}
	for {
		fr, err := f.next()
		if fe, ok := asFrameError(err); ok {
			l.rej.reject(fe.reason, l.transport, peer, "size", fe.size, "max", l.cfg.maxFrame)
			continue
		}
		if err != nil {
			l.closed(ctx, peer, err)
			return
		}
		if !l.gate.Take(peer.Addr()) {
			l.rej.reject(ReasonRateLimited, l.transport, peer)
			continue
		}
		if fr.truncated {
			l.cfg.stats.truncated.Add(1)
		}
		deliver(ctx, l.h, &l.cfg, l.rej, l.transport, peer, fr.data, fr.framing)
	}
}

// handshake runs the TLS handshake within the handshake timeout.
func (l *StreamListener) handshake(ctx context.Context, c net.Conn, peer netip.AddrPort) (*tls.Conn, bool) {
	tc := tls.Server(c, l.tls)
	hctx, cancel := context.WithTimeout(ctx, l.cfg.handshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		if ctx.Err() == nil {
			l.rej.reject(ReasonTLSHandshake, l.transport, peer, "err", err)
		}
		return nil, false
	}
	return tc, true
}

// closed records why a connection ended.
func (l *StreamListener) closed(ctx context.Context, peer netip.AddrPort, err error) {
	switch {
	case errors.Is(err, io.EOF), ctx.Err() != nil, errors.Is(err, net.ErrClosed):
	case errors.Is(err, os.ErrDeadlineExceeded):
		l.cfg.stats.idleClosed.Add(1)
		l.cfg.logger.Debug("syslog: idle connection closed", "transport", l.transport, "peer", peer.String(), "idle", l.cfg.idleTimeout)
	default:
		l.cfg.stats.readErrors.Add(1)
		l.rej.logLimited("syslog: connection read failed", "read_error", l.transport, peer, "err", err)
	}
}

// idleReader sets the read deadline before each read, so that a
// connection silent for the idle timeout fails with a timeout, and once
// the listener drains, no read waits past the drain deadline.
type idleReader struct {
	c       net.Conn
	timeout time.Duration
	drainBy *atomic.Int64 // Unix ns; 0 while serving
}

func (r *idleReader) Read(p []byte) (int, error) {
	deadline := time.Now().Add(r.timeout)
	by := r.drainBy.Load()
	if by != 0 && by < deadline.UnixNano() {
		deadline = time.Unix(0, by)
	}
	if err := r.c.SetReadDeadline(deadline); err != nil {
		return 0, err
	}
	if by == 0 {
		// The drain may have begun since the load above and its deadline,
		// set on every connection, been overwritten by ours just now. It
		// stores drainBy before setting deadlines, so a second look sees it.
		if by = r.drainBy.Load(); by != 0 && by < deadline.UnixNano() {
			if err := r.c.SetReadDeadline(time.Unix(0, by)); err != nil {
				return 0, err
			}
		}
	}
	return r.c.Read(p)
}
