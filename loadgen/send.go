package loadgen

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbxalarm/pbxalarm/internal/certpool"
)

// sendState is what the senders of one run share.
type sendState struct {
	sched    *schedule
	sent     bitset // sequence numbers written to the network
	nSent    atomic.Int64
	nErrors  atomic.Int64
	errOnce  sync.Once
	firstErr error
}

func (st *sendState) markSent(seq int) {
	st.sent.set(seq)
	st.nSent.Add(1)
}

// fail counts n messages that could not be sent and keeps the first error.
func (st *sendState) fail(n int, err error) {
	st.nErrors.Add(int64(n))
	st.note(err)
}

// note keeps err if it is the run's first.
func (st *sendState) note(err error) { st.errOnce.Do(func() { st.firstErr = err }) }

// streamSender writes syslog frames on one TCP or TLS connection,
// batching what is due into writes of up to 64 KiB.
type streamSender struct {
	st      *sendState
	conn    net.Conn
	build   *syslogBuilder
	octets  bool // octet counting, else LF
	buf     []byte
	line    []byte
	pending []int // sequence numbers in buf
}

const streamBatch = 64 << 10

func (s *streamSender) run(ctx context.Context) {
	defer s.conn.Close()
	sched := s.st.sched
	for {
		seq, due, ok := sched.claim()
		if !ok {
			break
		}
		if due > sched.since() {
			if !s.flush() || !sched.waitUntil(ctx, due) {
				break
			}
		}
		s.line = s.build.append(s.line[:0], seq, time.Now(), sched.since())
		if s.octets {
			s.buf = strconv.AppendInt(s.buf, int64(len(s.line)), 10)
			s.buf = append(s.buf, ' ')
			s.buf = append(s.buf, s.line...)
		} else {
			s.buf = append(append(s.buf, s.line...), '\n')
		}
		s.pending = append(s.pending, seq)
		if len(s.buf) >= streamBatch && !s.flush() {
			break
		}
	}
	s.flush()
}

// flush writes the batch; false when the connection failed, which ends
// this sender (its messages count as send errors).
func (s *streamSender) flush() bool {
	if len(s.buf) == 0 {
		return true
	}
	_, err := s.conn.Write(s.buf)
	if err != nil {
		s.st.fail(len(s.pending), fmt.Errorf("write to %s: %w", s.conn.RemoteAddr(), err))
		s.buf, s.pending = s.buf[:0], s.pending[:0]
		return false
	}
	for _, seq := range s.pending {
		s.st.markSent(seq)
	}
	s.buf, s.pending = s.buf[:0], s.pending[:0]
	return true
}

// datagramSender writes one message a datagram: syslog over UDP or traps.
type datagramSender struct {
	st    *sendState
	conn  net.Conn
	build func(dst []byte, seq int, sent time.Duration) ([]byte, error)
}

func (s *datagramSender) run(ctx context.Context) {
	defer s.conn.Close()
	sched := s.st.sched
	var pkt []byte
	for {
		seq, due, ok := sched.claim()
		if !ok {
			return
		}
		if due > sched.since() && !sched.waitUntil(ctx, due) {
			return
		}
		var err error
		pkt, err = s.build(pkt[:0], seq, sched.since())
		if err != nil {
			s.st.fail(1, err)
			continue
		}
		if _, err := s.conn.Write(pkt); err != nil {
			// On loopback a port nobody listens on answers with ICMP,
			// which a later write on the connected socket reports.
			s.st.fail(1, fmt.Errorf("write to %s: %w", s.conn.RemoteAddr(), err))
			continue
		}
		s.st.markSent(seq)
	}
}

// dialStream opens one syslog connection.
func dialStream(ctx context.Context, c *Config) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	if c.Proto == TLS {
		cfg, err := clientTLS(c)
		if err != nil {
			return nil, err
		}
		conn, err := (&tls.Dialer{NetDialer: &d, Config: cfg}).DialContext(ctx, "tcp", c.Target)
		if err != nil {
			return nil, fmt.Errorf("dial tls %s: %w", c.Target, err)
		}
		return conn, nil
	}
	conn, err := d.DialContext(ctx, "tcp", c.Target)
	if err != nil {
		return nil, fmt.Errorf("dial tcp %s: %w", c.Target, err)
	}
	return conn, nil
}

func clientTLS(c *Config) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.TLSInsecure, ServerName: c.TLSServerName}
	if cfg.ServerName == "" {
		cfg.ServerName, _, _ = net.SplitHostPort(c.Target)
	}
	if c.TLSCA != "" {
		pool, err := certpool.Load(c.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("tls-ca: %w", err)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}
