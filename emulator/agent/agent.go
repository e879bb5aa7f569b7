package agent

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync/atomic"

	"github.com/gosnmp/gosnmp"
	"golang.org/x/time/rate"
)

// maxDatagram is the receive buffer: more than any UDP payload.
const maxDatagram = 64 << 10

// Agent answers SNMP requests on one UDP socket from a [Table].
type Agent struct {
	conn    *net.UDPConn
	table   *Table
	cfg     config
	log     *limitedLog
	serving atomic.Bool
}

// Listen binds a UDP socket on addr (host:port; port 0 picks a free one)
// at once, so that errors and the port are known before Serve, and
// returns an agent that will answer from t.
func Listen(addr string, t *Table, opts ...Option) (*Agent, error) {
	if t == nil {
		return nil, errors.New("agent: listen: nil table")
	}
	cfg := newConfig(opts)
	if len(cfg.community) > maxCommunity {
		return nil, fmt.Errorf("agent: listen: community is %d bytes, at most %d", len(cfg.community), maxCommunity)
	}
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("agent: resolve %s: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("agent: listen udp %s: %w", addr, err)
	}
	return &Agent{conn: conn, table: t, cfg: cfg, log: newLimitedLog(cfg.logger)}, nil
}

// Addr returns the address the socket is bound to.
func (a *Agent) Addr() net.Addr { return a.conn.LocalAddr() }

// Stats returns the counters the agent updates.
func (a *Agent) Stats() *Stats { return a.cfg.stats }

// Serve answers requests until ctx ends, then closes the socket, waits
// for the request under way and returns nil. It returns an error if called
// twice.
func (a *Agent) Serve(ctx context.Context) error {
	if !a.serving.CompareAndSwap(false, true) {
		return errors.New("agent: already served")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.read(ctx)
	}()
	<-ctx.Done()
	a.conn.Close()
	<-done
	return nil
}

func (a *Agent) read(ctx context.Context) {
	buf := make([]byte, maxDatagram)
	for {
		n, peer, err := a.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return
			}
			a.log.warn("agent: read failed", peer, "err", err)
			continue
		}
		peer = netip.AddrPortFrom(peer.Addr().Unmap(), peer.Port())
		if resp := a.handle(buf[:n], peer); resp != nil {
			if _, err := a.conn.WriteToUDPAddrPort(resp, peer); err != nil {
				a.cfg.stats.Unanswered.Add(1)
				a.log.warn("agent: send response failed", peer, "err", err)
				continue
			}
			a.cfg.stats.Responses.Add(1)
		}
	}
}

// handle decodes one datagram and returns the response to send, if any.
func (a *Agent) handle(b []byte, peer netip.AddrPort) []byte {
	st := a.cfg.stats
	req, err := decodeRequest(b)
	switch {
	case errors.Is(err, errVersion):
		st.BadVersion.Add(1)
		a.log.warn("agent: request rejected", peer, "reason", "version", "err", err)
		return nil
	case err != nil:
		st.Malformed.Add(1)
		a.log.warn("agent: request rejected", peer, "reason", "malformed", "err", err)
		return nil
	}
	// Compared in constant time; the community itself is never logged.
	if subtle.ConstantTimeCompare([]byte(req.Community), []byte(a.cfg.community)) != 1 {
		st.BadCommunity.Add(1)
		a.log.warn("agent: request rejected", peer, "reason", "community")
		return nil
	}
	switch req.PDUType {
	case gosnmp.GetRequest:
		st.Gets.Add(1)
	case gosnmp.GetNextRequest:
		st.GetNexts.Add(1)
	case gosnmp.SetRequest:
		st.Sets.Add(1)
	case gosnmp.GetBulkRequest:
		if req.Version == gosnmp.Version1 {
			st.BadPDU.Add(1)
			a.log.warn("agent: request rejected", peer, "reason", "getbulk_in_v1")
			return nil
		}
		st.GetBulks.Add(1)
	default:
		st.BadPDU.Add(1)
		a.log.warn("agent: request rejected", peer, "reason", "pdu", "pdu", req.PDUType.String())
		return nil
	}
	r := a.table.answer(req, a.cfg.maxResp/minVarbindSize+1)
	resp, tooBig, err := encode(req, r, a.cfg.maxResp)
	if tooBig {
		st.TooBig.Add(1)
	}
	if err != nil {
		st.Unanswered.Add(1)
		a.log.warn("agent: cannot encode response", peer, "err", err)
		return nil
	}
	return resp
}

// limitedLog logs about requests at most a few lines a second, so that a
// flood of bad packets cannot flood the log; the next line logged says
// how many were left out.
type limitedLog struct {
	log        *slog.Logger
	limit      *rate.Limiter
	suppressed atomic.Uint64
}

func newLimitedLog(l *slog.Logger) *limitedLog {
	return &limitedLog{log: l, limit: rate.NewLimiter(5, 10)}
}

func (l *limitedLog) warn(msg string, peer netip.AddrPort, attrs ...any) {
	if !l.limit.Allow() {
		l.suppressed.Add(1)
		return
	}
	attrs = append(attrs, "peer", peer.String())
	if n := l.suppressed.Swap(0); n > 0 {
		attrs = append(attrs, "suppressed", n)
	}
	l.log.Warn(msg, attrs...)
}
