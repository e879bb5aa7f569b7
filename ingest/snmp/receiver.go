package snmp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"

	"github.com/pbxalarm/pbxalarm/ingest/admit"
	"github.com/pbxalarm/pbxalarm/ingest/internal/udpbuf"
	"github.com/pbxalarm/pbxalarm/ingest/mivb"
)

// maxCommunity is the longest community gosnmp can echo in a Response (it
// writes the length in one octet).
const maxCommunity = 127

// Receiver receives SNMP notifications on one UDP socket.
type Receiver struct {
	conn    *net.UDPConn
	h       Handler
	cfg     config
	dec     *decoder
	rej     *rejecter
	gate    *admit.Gate // nil: every sender, any rate
	pool    sync.Pool
	slots   chan struct{} // read-backs in progress
	pending sync.WaitGroup
	reports *rate.Limiter // Reports answer unauthenticated packets: bound them
	serving atomic.Bool
	closed  atomic.Bool
}

// Listen checks the configuration, sets up the local SNMPv3 engine and
// binds a UDP socket on addr (host:port; port 0 picks a free one) at once,
// so that errors and the port are known before Serve.
func Listen(addr string, h Handler, opts ...Option) (*Receiver, error) {
	cfg := newConfig(opts)
	for _, c := range cfg.communities {
		if len(c.value) > maxCommunity {
			return nil, fmt.Errorf("snmp: community of %d characters: at most %d", len(c.value), maxCommunity)
		}
	}
	gate, err := cfg.gate()
	if err != nil {
		return nil, err
	}
	users, err := newUserTable(cfg.users)
	if err != nil {
		return nil, err
	}
	engine, err := loadEngine(cfg.engineID, cfg.dataDir, cfg.now)
	if err != nil {
		return nil, err
	}
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("snmp: resolve udp %s: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("snmp: listen udp %s: %w", addr, err)
	}
	log := cfg.logger
	if granted, err := udpbuf.Set(conn, cfg.readBuffer); err != nil {
		log.Warn("snmp: cannot set the UDP receive buffer", "addr", conn.LocalAddr().String(), "want", cfg.readBuffer, "err", err)
	} else {
		// Linux reports twice the usable size (it counts its bookkeeping).
		log.Info("snmp: UDP receive buffer", "addr", conn.LocalAddr().String(), "want", cfg.readBuffer, "granted", granted)
	}
	if len(cfg.communities) == 0 && len(cfg.users) == 0 {
		log.Warn("snmp: no community and no v3 user configured: every notification will be rejected", "addr", conn.LocalAddr().String())
	}
	log.Info("snmp: local engine", "engine_id", fmt.Sprintf("%x", engine.id), "boots", engine.boots)
	if gate != nil {
		log.Info("snmp: admission", "addr", conn.LocalAddr().String(), "rules", gate.String())
	}
	r := &Receiver{
		conn:    conn,
		h:       h,
		cfg:     cfg,
		dec:     newDecoder(&cfg, users, engine),
		rej:     newRejecter(cfg.stats, log),
		gate:    gate,
		slots:   make(chan struct{}, cfg.enrichConcurrency),
		reports: rate.NewLimiter(200, 100),
	}
	r.pool.New = func() any {
		b := make([]byte, bufferSize)
		return &b
	}
	return r, nil
}

// Addr returns the address the socket is bound to.
func (r *Receiver) Addr() net.Addr { return r.conn.LocalAddr() }

// EngineID returns the receiver's own SNMPv3 engine ID, the one v3 informs
// are addressed to.
func (r *Receiver) EngineID() []byte { return append([]byte(nil), r.dec.engine.id...) }

// Stats returns the receiver's counters.
func (r *Receiver) Stats() *Stats { return r.cfg.stats }

// Close closes the socket. Serve closes it itself when its context ends;
// Close is for a receiver that is never served.
func (r *Receiver) Close() error {
	if !r.closed.CompareAndSwap(false, true) {
		return nil
	}
	if err := r.conn.Close(); err != nil {
		return fmt.Errorf("snmp: close %s: %w", r.Addr(), err)
	}
	return nil
}

// Serve reads datagrams with several goroutines and hands each notification
// to the handler until ctx ends; it then closes the socket, waits for the
// readers and the read-backs in progress (whose notifications are still
// handed on, unenriched if they were cut short) and returns nil. It
// returns an error if called twice.
func (r *Receiver) Serve(ctx context.Context) error {
	if !r.serving.CompareAndSwap(false, true) {
		return errors.New("snmp: receiver already served")
	}
	var readers sync.WaitGroup
	for range r.cfg.readers {
		readers.Go(func() { r.read(ctx) })
	}
	<-ctx.Done()
	r.Close()
	readers.Wait()
	r.pending.Wait()
	return nil
}

func (r *Receiver) read(ctx context.Context) {
	for {
		bp := r.pool.Get().(*[]byte)
		n, peer, err := r.conn.ReadFromUDPAddrPort(*bp)
		if err != nil {
			r.pool.Put(bp)
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return
			}
			// Includes ICMP errors for replies we sent: never fatal.
			r.cfg.stats.readErrors.Add(1)
			r.rej.logLimited(slog.LevelWarn, "snmp: udp read failed", peer, "err", err)
			continue
		}
		r.handle(ctx, (*bp)[:n], unmap(peer))
		r.pool.Put(bp)
	}
}

// handle processes one datagram; b is valid only during the call.
func (r *Receiver) handle(ctx context.Context, b []byte, peer netip.AddrPort) {
	r.cfg.stats.received.Add(1)
	// Before anything is decoded or decrypted: a sender that may not send,
	// or sends too much, costs no more than this.
	switch r.gate.Allow(peer.Addr()) {
	case admit.NotAllowed:
		r.rej.reject(rejectf(ReasonNotAllowed, "sender not on the allow-list"), peer)
		return
	case admit.RateLimited:
		r.rej.reject(rejectf(ReasonRateLimited, "sender over its rate"), peer)
		return
	}
	if len(b) > r.cfg.maxMessage {
		r.rej.reject(rejectf(ReasonOversize, fmt.Sprintf("%d bytes, at most %d", len(b), r.cfg.maxMessage)), peer)
		return
	}
	o := r.dec.decode(b, peer, r.cfg.now())
	if o.reply != nil {
		r.sendReport(o.reply, peer)
	}
	if o.rej != nil {
		r.rej.reject(o.rej, peer)
	}
	if o.n == nil {
		return
	}
	ack := func(error) {}
	if o.answer != nil {
		r.cfg.stats.informs.Add(1)
		ack = r.acker(o.answer, peer)
	} else {
		r.cfg.stats.traps.Add(1)
	}
	n := o.n
	if n.Trap().NotificationOID() != mivb.OIDTrapAlarm {
		r.deliver(ctx, n, ack)
		return
	}
	switch {
	case r.cfg.enricher == nil:
		n.SNMP.EnrichError = enrichNotConfigured
	case r.tryAcquire():
		r.pending.Go(func() {
			defer func() { <-r.slots }()
			r.enrich(ctx, n)
			r.deliver(ctx, n, ack)
		})
		return
	default:
		r.cfg.stats.enrichFailed.Add(1)
		n.SNMP.EnrichError = enrichBusy
	}
	r.deliver(ctx, n, ack)
}

func (r *Receiver) tryAcquire() bool {
	select {
	case r.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (r *Receiver) deliver(ctx context.Context, n *Notification, ack func(error)) {
	if err := r.h.HandleNotification(ctx, n, ack); err != nil {
		r.rej.reject(reject(ReasonHandlerError, err), n.Peer)
	}
}

// acker returns the ack of an inform: the first call decides; with nil it
// sends the Response, with an error nothing (the sender will retry).
func (r *Receiver) acker(res responder, peer netip.AddrPort) func(error) {
	var once sync.Once
	return func(err error) {
		once.Do(func() {
			if err != nil {
				return
			}
			b, err := respond(res)
			if err == nil {
				_, err = r.conn.WriteToUDPAddrPort(b, peer)
			}
			if err != nil {
				if r.closed.Load() {
					return // the sender will retry to whoever listens next
				}
				r.cfg.stats.sendErrors.Add(1)
				r.rej.logLimited(slog.LevelError, "snmp: inform response not sent", peer, "err", err)
				return
			}
			r.cfg.stats.answered.Add(1)
		})
	}
}

// respond builds a Response behind recover(): gosnmp encodes varbinds
// that came from the network.
func respond(res responder) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("snmp: encode response: gosnmp panicked: %v", r)
		}
	}()
	return res.response()
}

func (r *Receiver) sendReport(b []byte, peer netip.AddrPort) {
	if !r.reports.Allow() {
		r.cfg.stats.droppedReport.Add(1)
		return
	}
	if _, err := r.conn.WriteToUDPAddrPort(b, peer); err != nil {
		if !r.closed.Load() {
			r.cfg.stats.sendErrors.Add(1)
		}
		return
	}
	r.cfg.stats.reports.Add(1)
}

// unmap turns an IPv4-mapped IPv6 address into plain IPv4.
func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
