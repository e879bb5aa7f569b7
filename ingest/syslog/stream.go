package syslog

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbxalarm/pbxalarm/ingest/admit"
)

// StreamListener receives syslog over TCP (RFC 6587) or TLS (RFC 5425).
type StreamListener struct {
	ln        net.Listener
	tls       *tls.Config // nil: plain TCP
	transport string
	h         Handler
	cfg       config
	rej       *rejecter
	gate      *admit.Gate // nil: every sender, any rate
	serving   atomic.Bool

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
	// drainBy is when reading stops after shutdown began (Unix ns; 0 while
	// serving): connections are read until then, not cut at once, so that
	// what senders wrote before the shutdown is not lost in socket buffers.
	drainBy atomic.Int64
}

// DrainTimeout is how long, once Serve's context ends, open connections are
// still read by default (see [WithDrainTimeout]): what is in their socket
// buffers, and what their senders write meanwhile, is handed on before
// they are closed.
const DrainTimeout = 2 * time.Second

// ListenTCP binds a TCP socket on addr at once, so that errors and the
// port are known before Serve.
func ListenTCP(addr string, h Handler, opts ...Option) (*StreamListener, error) {
	return listenStream(addr, nil, h, opts)
}

// ListenTLS binds a TCP socket on addr at once and serves syslog over TLS
// on it (RFC 5425) with cfg (see [ServerTLSConfig]).
func ListenTLS(addr string, cfg *tls.Config, h Handler, opts ...Option) (*StreamListener, error) {
	if cfg == nil {
		return nil, fmt.Errorf("syslog: listen tls %s: no TLS configuration", addr)
	}
	return listenStream(addr, cfg, h, opts)
}

func listenStream(addr string, tc *tls.Config, h Handler, opts []Option) (*StreamListener, error) {
	transport := TransportTCP
	if tc != nil {
		transport = TransportTLS
	}
	cfg := newConfig(opts)
	gate, err := cfg.gate()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("syslog: listen %s %s: %w", transport, addr, err)
	}
	if gate != nil {
		cfg.logger.Info("syslog: admission", "transport", transport, "addr", ln.Addr().String(), "rules", gate.String())
	}
	return &StreamListener{
		ln: ln, tls: tc, transport: transport, h: h, cfg: cfg,
		rej:   newRejecter(cfg.stats, cfg.logger),
		gate:  gate,
		conns: make(map[net.Conn]struct{}),
	}, nil
}

// Addr returns the address the socket is bound to.
func (l *StreamListener) Addr() net.Addr { return l.ln.Addr() }

// Stats returns the counters the listener updates.
func (l *StreamListener) Stats() *Stats { return l.cfg.stats }

// Serve accepts connections and reads frames from each until ctx ends; it
// then closes the listening socket, reads each open connection for up to
// the drain timeout more (until its sender closes it or the deadline passes),
// closes them, waits for their goroutines and returns nil. It returns an
// error if called twice.
func (l *StreamListener) Serve(ctx context.Context) error {
	if !l.serving.CompareAndSwap(false, true) {
		return fmt.Errorf("syslog: %s listener already served", l.transport)
	}
	stop := context.AfterFunc(ctx, func() {
		l.ln.Close()
		by := time.Now().Add(l.cfg.drainTimeout)
		l.drainBy.Store(by.UnixNano())
		l.mu.Lock()
		for c := range l.conns {
			_ = c.SetReadDeadline(by) // wakes a read waiting on the idle deadline
		}
		l.mu.Unlock()
	})
	defer stop()
	l.acceptLoop(ctx)
	l.wg.Wait()
	return nil
}

func (l *StreamListener) acceptLoop(ctx context.Context) {
	var backoff time.Duration
	for {
		c, err := l.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait a little, as
			// net/http does, rather than spin.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			l.cfg.logger.Error("syslog: accept failed", "transport", l.transport, "addr", l.ln.Addr().String(), "err", err, "retry_in", backoff)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return
			}
			continue
		}
		backoff = 0
		peer := peerOf(c)
		if !l.gate.Listed(peer.Addr()) {
			l.rej.reject(ReasonNotAllowed, l.transport, peer)
			c.Close()
			continue
		}
		if !l.track(ctx, c) {
			l.rej.reject(ReasonConnectionLimit, l.transport, peer, "max", l.cfg.maxConns)
			c.Close()
			continue
		}
		l.cfg.stats.accepted.Add(1)
		l.wg.Go(func() {
			defer l.untrack(c)
			l.serveConn(ctx, c, peer)
		})
	}
}

// track registers an accepted connection unless the limit is reached or
// the listener is stopping.
func (l *StreamListener) track(ctx context.Context, c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.conns) >= l.cfg.maxConns || ctx.Err() != nil {
		return false
	}
	l.conns[c] = struct{}{}
	l.cfg.stats.connections.Add(1)
	return true
}

func (l *StreamListener) untrack(c net.Conn) {
	c.Close()
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
	l.cfg.stats.connections.Add(-1)
}

func peerOf(c net.Conn) netip.AddrPort {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return unmap(a.AddrPort())
	}
	return netip.AddrPort{}
}
