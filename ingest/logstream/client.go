package logstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Client reads the log streams of a set of PBXs.
type Client struct {
	addrs   []string
	h       Handler
	cfg     config
	running atomic.Bool

	limit      *rate.Limiter // for per-line warnings
	suppressed atomic.Uint64 // warnings left out since the last one logged
}

// New returns a client of the streams at addrs (host:port each) that
// hands every line to h. Nothing is dialled before Run.
func New(addrs []string, h Handler, opts ...Option) (*Client, error) {
	if h == nil {
		return nil, errors.New("logstream: nil handler")
	}
	if len(addrs) == 0 {
		return nil, errors.New("logstream: no address")
	}
	seen := map[string]bool{}
	for _, a := range addrs {
		if err := checkAddr(a); err != nil {
			return nil, fmt.Errorf("logstream: address %q: %w", a, err)
		}
		if seen[a] {
			return nil, fmt.Errorf("logstream: address %q given twice", a)
		}
		seen[a] = true
	}
	cfg := newConfig(opts)
	for _, a := range addrs {
		cfg.stats.peer(a) // so that Stats lists every address from the start
	}
	return &Client{addrs: append([]string{}, addrs...), h: h, cfg: cfg, limit: rate.NewLimiter(5, 10)}, nil
}

func checkAddr(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return err
	}
	if host == "" {
		return errors.New("no host")
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return fmt.Errorf("port %q is not 1..65535", port)
	}
	return nil
}

// Stats returns the counters the client updates.
func (c *Client) Stats() *Stats { return c.cfg.stats }

// Run reads every stream until ctx ends: one goroutine per address
// connects, reads lines and hands them to the handler, and reconnects
// with backoff when the stream ends or fails. It returns nil once ctx has
// ended and every connection is closed. It returns an error if called
// twice.
func (c *Client) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("logstream: client already run")
	}
	var wg sync.WaitGroup
	for _, a := range c.addrs {
		wg.Go(func() { c.follow(ctx, a) })
	}
	wg.Wait()
	return nil
}

// follow keeps one stream connected until ctx ends.
func (c *Client) follow(ctx context.Context, addr string) {
	st := c.cfg.stats.peer(addr)
	log := c.cfg.logger.With("addr", addr)
	b := &backoff{min: c.cfg.backoffMin, max: c.cfg.backoffMax}
	dialer := &net.Dialer{Timeout: c.cfg.dialTimeout}
	failing := false // log only the first failed dial of a series
	for {
		conn, err := dialer.DialContext(ctx, "tcp", addr)
		if ctx.Err() != nil {
			if conn != nil {
				conn.Close()
			}
			return
		}
		if err != nil {
			st.dialErrors.Add(1)
			if !failing {
				log.Warn("logstream: cannot connect; retrying with backoff", "err", err)
				failing = true
			}
		} else {
			failing = false
			if st.connects.Add(1) > 1 {
				st.reconnects.Add(1)
			}
			st.connected.Store(true)
			log.Info("logstream: connected", "peer", conn.RemoteAddr().String())
			delivered, err := c.read(ctx, addr, conn, st)
			conn.Close()
			st.connected.Store(false)
			if ctx.Err() != nil {
				return
			}
			log.Warn("logstream: stream ended; reconnecting", "err", err, "lines", delivered)
			if delivered > 0 {
				b.reset()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(b.next()):
		}
	}
}

// read hands every line of conn to the handler until the stream ends or
// ctx does, and returns how many it delivered and why it stopped.
func (c *Client) read(ctx context.Context, addr string, conn net.Conn, st *peerCounters) (int, error) {
	// Closing the connection is what interrupts a blocked read.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	peer := remoteAddrPort(conn)
	lr := newLineReader(conn, c.cfg.maxLine)
	delivered := 0
	for {
		line, terminated, err := lr.next()
		switch {
		case errors.Is(err, errOversize):
			st.oversize.Add(1)
			c.warn("logstream: line above the maximum size skipped", "addr", addr, "max", c.cfg.maxLine)
			continue
		case errors.Is(err, io.EOF):
			return delivered, nil
		case err != nil:
			return delivered, err
		case ctx.Err() != nil:
			return delivered, ctx.Err()
		case len(line) == 0:
			st.empty.Add(1)
			continue
		}
		if !terminated {
			st.unterminated.Add(1)
		}
		st.lines.Add(1)
		st.bytes.Add(uint64(len(line)))
		delivered++
		m := &Message{Peer: peer, Addr: addr, ReceivedAt: time.Now(), Raw: line, Text: string(line)}
		if err := c.h.HandleLogstream(ctx, m); err != nil && ctx.Err() == nil {
			st.handlerErrors.Add(1)
			c.warn("logstream: handler failed", "addr", addr, "err", err)
		}
	}
}

// warn logs at most a few lines a second, so that a flood of bad lines
// cannot flood the log; the next line logged says how many were left out.
func (c *Client) warn(msg string, attrs ...any) {
	if !c.limit.Allow() {
		c.suppressed.Add(1)
		return
	}
	if n := c.suppressed.Swap(0); n > 0 {
		attrs = append(attrs, "suppressed", n)
	}
	c.cfg.logger.Log(context.Background(), slog.LevelWarn, msg, attrs...)
}

func remoteAddrPort(conn net.Conn) netip.AddrPort {
	if ta, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}
