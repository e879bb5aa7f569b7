package emulator

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/pbxalarm/pbxalarm/internal/certpool"
)

// Backoff of a stream target that cannot be reached: while it lasts,
// messages to it fail at once instead of waiting on a dial each.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// syslogConn is one system's connection to one syslog target. Streams are
// dialled on first use and again after a failure.
type syslogConn struct {
	t       *syslogTarget
	local   netip.Addr
	tlsConf *tls.Config
	dialTO  time.Duration
	writeTO time.Duration

	conn    net.Conn
	retryAt time.Time
	backoff time.Duration
}

// send writes one frame. On a stream a failed write is retried once on
// a new connection; the receiver may then see the frame twice, as it
// would from a real sender that reconnects.
func (c *syslogConn) send(ctx context.Context, b []byte) error {
	for attempt := 0; ; attempt++ {
		if err := c.connect(ctx); err != nil {
			return err
		}
		if c.writeTO > 0 {
			_ = c.conn.SetWriteDeadline(time.Now().Add(c.writeTO))
		}
		_, err := c.conn.Write(b)
		if err == nil {
			return nil
		}
		c.drop()
		if c.t.network == "udp" || attempt > 0 || ctx.Err() != nil {
			return fmt.Errorf("syslog: write to %s from %s: %w", c.t.url, c.local, err)
		}
	}
}

func (c *syslogConn) connect(ctx context.Context) error {
	if c.conn != nil {
		return nil
	}
	now := time.Now()
	if now.Before(c.retryAt) {
		return fmt.Errorf("syslog: %s unreachable from %s, retrying after %s", c.t.url, c.local, c.retryAt.Sub(now).Round(time.Millisecond))
	}
	conn, err := c.dial(ctx)
	if err != nil {
		c.backoff = min(max(2*c.backoff, minBackoff), maxBackoff)
		c.retryAt = time.Now().Add(c.backoff)
		return fmt.Errorf("syslog: connect to %s from %s: %w", c.t.url, c.local, err)
	}
	c.conn, c.backoff, c.retryAt = conn, 0, time.Time{}
	return nil
}

func (c *syslogConn) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{Timeout: c.dialTO}
	if c.t.network == "udp" {
		d.LocalAddr = &net.UDPAddr{IP: c.local.AsSlice()}
	} else {
		d.LocalAddr = &net.TCPAddr{IP: c.local.AsSlice()}
	}
	if !c.t.tls {
		return d.DialContext(ctx, c.t.network, c.t.addr)
	}
	td := &tls.Dialer{NetDialer: d, Config: c.tlsConf}
	return td.DialContext(ctx, "tcp", c.t.addr)
}

func (c *syslogConn) drop() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// tlsConfig builds the client configuration of tls:// targets.
func tlsConfig(t Targets, o *options) (*tls.Config, error) {
	if o.tlsConfig != nil {
		return o.tlsConfig, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.TLSInsecure} //nolint:gosec // the operator asked for it
	if t.TLSCA != "" {
		pool, err := certpool.Load(t.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("emulator: targets: tls ca: %w", err)
		}
		c.RootCAs = pool
	}
	return c, nil
}
