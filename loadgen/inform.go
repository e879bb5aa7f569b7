package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosnmp/gosnmp"
)

// informStats counts the answers of one run's informs.
type informStats struct {
	answered   atomic.Int64
	unanswered atomic.Int64 // given up after every retry
	retries    atomic.Int64 // resends
	reports    atomic.Int64 // SNMPv3 Reports received (time window, unknown engine)
}

// engineClock is the receiver's snmpEngineBoots and snmpEngineTime as last
// learnt, for v3 informs (RFC 3414 2.3).
type engineClock struct {
	mu    sync.Mutex
	boots uint32
	time  uint32
	at    time.Time
}

func (c *engineClock) set(boots, t uint32) {
	c.mu.Lock()
	c.boots, c.time, c.at = boots, t, time.Now()
	c.mu.Unlock()
}

func (c *engineClock) now() (uint32, uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.boots, c.time + uint32(time.Since(c.at)/time.Second)
}

// inflight is an inform awaiting its answer.
type inflight struct {
	seq      int
	sent     time.Duration // as in its token: a resend carries the same
	tries    int
	deadline time.Time
}

// informer sends informs on one UDP socket, at most window awaiting an
// answer, resending each unanswered one after timeout up to retries times.
// A resend carries the same request id and varbinds, so pbxalarm gives it
// the same event id and JetStream stores it once.
type informer struct {
	st      *sendState
	stats   *informStats
	conn    *net.UDPConn
	build   *trapBuilder
	timeout time.Duration
	retries int
	clock   *engineClock   // v3
	dec     *gosnmp.GoSNMP // v3: the user's keys, to read answers and Reports
	window  chan struct{}  // one token per inform in flight
	mu      sync.Mutex
	pending map[uint32]*inflight
}

func newInformer(st *sendState, stats *informStats, conn *net.UDPConn, b *trapBuilder, c *Config, clock *engineClock) *informer {
	in := &informer{
		st: st, stats: stats, conn: conn, build: b, timeout: c.InformTimeout, retries: c.InformRetries,
		clock: clock, window: make(chan struct{}, c.Window), pending: map[uint32]*inflight{},
	}
	if b.keys != nil {
		k := b.keys
		in.dec = &gosnmp.GoSNMP{
			Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel, MsgFlags: k.flags,
			SecurityParameters: &gosnmp.UsmSecurityParameters{
				AuthoritativeEngineID: k.engine, UserName: k.user,
				AuthenticationProtocol: k.auth, PrivacyProtocol: k.priv,
				SecretKey: k.authKey, PrivacyKey: k.privKey,
			},
		}
	}
	return in
}

// requestID is message seq's request id (and v3 msgID): unique within the
// run, and always 4 octets in BER (count is at most 2^30).
func requestID(seq int) uint32 { return 0x01000000 + uint32(seq) }

func (in *informer) run(ctx context.Context) {
	defer in.conn.Close()
	readDone := make(chan struct{})
	go func() { defer close(readDone); in.read() }()
	retryDone := make(chan struct{})
	stopRetry := make(chan struct{})
	go func() { defer close(retryDone); in.retryLoop(stopRetry) }()

	sched := in.st.sched
	for {
		select {
		case in.window <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		seq, due, ok := sched.claim()
		if !ok {
			<-in.window
			break
		}
		if due > sched.since() && !sched.waitUntil(ctx, due) {
			<-in.window
			break
		}
		f := &inflight{seq: seq, sent: sched.since(), tries: 1}
		if err := in.send(f, true); err != nil {
			in.st.fail(1, err)
			<-in.window
			continue
		}
		in.st.markSent(seq)
	}
	// Wait for the answers still due: each gives up after its retries, so
	// this ends unless ctx does first.
	for {
		in.mu.Lock()
		n := len(in.pending)
		in.mu.Unlock()
		if n == 0 || ctx.Err() != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stopRetry)
	<-retryDone
	in.mu.Lock() // what is left when ctx ended will not be answered now
	in.stats.unanswered.Add(int64(len(in.pending)))
	clear(in.pending)
	in.mu.Unlock()
	in.conn.SetReadDeadline(time.Now()) // ends read
	<-readDone
}

// send (re)builds and writes f's packet, registering it as pending. A
// first send that fails is not pending; a resend that fails stays pending,
// to be retried or given up by the next round.
func (in *informer) send(f *inflight, first bool) error {
	id := requestID(f.seq)
	pkt, err := in.build.build(f.seq, f.sent, id)
	if err != nil {
		return err
	}
	in.mu.Lock()
	f.deadline = time.Now().Add(in.timeout)
	in.pending[id] = f
	in.mu.Unlock()
	if _, err := in.conn.Write(pkt); err != nil {
		if first {
			in.mu.Lock()
			delete(in.pending, id)
			in.mu.Unlock()
		}
		return fmt.Errorf("write to %s: %w", in.conn.RemoteAddr(), err)
	}
	return nil
}

// done removes id from the pending informs; false when it was not there
// (a late answer to an inform already answered or given up).
func (in *informer) done(id uint32) bool {
	in.mu.Lock()
	_, ok := in.pending[id]
	delete(in.pending, id)
	in.mu.Unlock()
	if ok {
		<-in.window
	}
	return ok
}

func (in *informer) retryLoop(stop <-chan struct{}) {
	t := time.NewTicker(max(in.timeout/4, 5*time.Millisecond))
	defer t.Stop()
	var due []*inflight
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		now := time.Now()
		due = due[:0]
		in.mu.Lock()
		for id, f := range in.pending {
			if now.Before(f.deadline) {
				continue
			}
			if f.tries > in.retries {
				delete(in.pending, id)
				in.stats.unanswered.Add(1)
				<-in.window
				continue
			}
			f.tries++
			f.deadline = now.Add(in.timeout) // not resent twice while this loop sends
			due = append(due, f)
		}
		in.mu.Unlock()
		for _, f := range due {
			in.resend(f)
		}
	}
}

func (in *informer) resend(f *inflight) {
	in.stats.retries.Add(1)
	if err := in.send(f, false); err != nil {
		in.st.note(err)
	}
}

// read takes answers until the socket's read deadline is set to the past.
func (in *informer) read() {
	buf := make([]byte, 65536)
	for {
		n, err := in.conn.Read(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // e.g. ECONNREFUSED from an earlier write: the retries cover it
		}
		in.answer(bytes.Clone(buf[:n]))
	}
}

// answer handles one datagram from the receiver.
func (in *informer) answer(b []byte) {
	if in.dec == nil {
		p, err := (&gosnmp.GoSNMP{Version: gosnmp.Version2c}).SnmpDecodePacket(b)
		if err != nil || p.PDUType != gosnmp.GetResponse {
			return
		}
		if in.done(p.RequestID) {
			in.stats.answered.Add(1)
		}
		return
	}
	p, err := unmarshalV3(in.dec, b)
	if err != nil {
		// An unauthenticated Report: the receiver does not know the
		// engine the keys are localised to (it restarted with another).
		in.stats.reports.Add(1)
		if p, err := unmarshalV3(plainDecoder(), b); err == nil && p.PDUType == gosnmp.Report {
			in.st.note(fmt.Errorf("receiver %s answered an inform with an unauthenticated Report (%s); its engine ID may have changed", in.conn.RemoteAddr(), reportOID(p)))
		}
		return
	}
	switch p.PDUType {
	case gosnmp.GetResponse:
		if in.done(p.RequestID) {
			in.stats.answered.Add(1)
		}
	case gosnmp.Report:
		// usmStatsNotInTimeWindows, authenticated: learn the receiver's
		// clock and resend at once.
		in.stats.reports.Add(1)
		if sp, ok := p.SecurityParameters.(*gosnmp.UsmSecurityParameters); ok && in.clock != nil {
			in.clock.set(sp.AuthoritativeEngineBoots, sp.AuthoritativeEngineTime)
		}
		in.mu.Lock()
		f, ok := in.pending[p.RequestID]
		if ok {
			f.deadline = time.Time{} // due now
		}
		in.mu.Unlock()
	}
}

func reportOID(p *gosnmp.SnmpPacket) string {
	if len(p.Variables) > 0 {
		return p.Variables[0].Name
	}
	return "no varbind"
}

// unmarshalV3 decodes (checking the digest and decrypting as dec's keys
// say) behind recover(): gosnmp's decoder has been seen to panic on bad
// input.
func unmarshalV3(dec *gosnmp.GoSNMP, b []byte) (p *gosnmp.SnmpPacket, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("gosnmp panicked: %v", r)
		}
	}()
	return dec.UnmarshalTrap(bytes.Clone(b), true)
}

func plainDecoder() *gosnmp.GoSNMP {
	return &gosnmp.GoSNMP{
		Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel,
		SecurityParameters: &gosnmp.UsmSecurityParameters{},
	}
}

// discover asks the receiver at conn for its engine ID, boots and time
// with an unauthenticated, reportable, empty GetRequest (RFC 3414 4).
func discover(ctx context.Context, conn *net.UDPConn, timeout time.Duration, tries int) (engine []byte, boots, t uint32, err error) {
	var r [4]byte
	rand.Read(r[:])
	id := binary.BigEndian.Uint32(r[:]) & 0x7fffffff
	p := &gosnmp.SnmpPacket{
		Version: gosnmp.Version3, MsgFlags: gosnmp.Reportable | gosnmp.NoAuthNoPriv,
		SecurityModel: gosnmp.UserSecurityModel, SecurityParameters: &gosnmp.UsmSecurityParameters{},
		PDUType: gosnmp.GetRequest, MsgID: id, RequestID: id,
	}
	req, err := p.MarshalMsg()
	if err != nil {
		return nil, 0, 0, fmt.Errorf("encode discovery request: %w", err)
	}
	buf := make([]byte, 65536)
	for try := 0; try <= tries && ctx.Err() == nil; try++ {
		if _, err = conn.Write(req); err != nil {
			time.Sleep(min(timeout, 100*time.Millisecond))
			continue
		}
		conn.SetReadDeadline(time.Now().Add(timeout))
		for {
			n, rerr := conn.Read(buf)
			if rerr != nil {
				err = rerr
				break
			}
			resp, derr := unmarshalV3(plainDecoder(), buf[:n])
			if derr != nil || resp.MsgID != id || resp.PDUType != gosnmp.Report {
				continue
			}
			sp, ok := resp.SecurityParameters.(*gosnmp.UsmSecurityParameters)
			if !ok || sp.AuthoritativeEngineID == "" {
				continue
			}
			conn.SetReadDeadline(time.Time{})
			return []byte(sp.AuthoritativeEngineID), sp.AuthoritativeEngineBoots, sp.AuthoritativeEngineTime, nil
		}
	}
	conn.SetReadDeadline(time.Time{})
	if ctx.Err() != nil {
		return nil, 0, 0, ctx.Err()
	}
	return nil, 0, 0, fmt.Errorf("SNMPv3 engine discovery at %s: no Report after %d tries: %w", conn.RemoteAddr(), tries+1, err)
}
