package loadgen

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Run sends what cfg says and counts what arrives in the stream that js
// reaches. It is bounded: sending stops at cfg.Count messages or after
// cfg.Duration, and the wait for arrivals after cfg.Wait. When ctx ends,
// Run stops sending and waiting and reports what it has (Interrupted).
// progress, if not nil, gets a line a second while the run lasts.
func Run(ctx context.Context, cfg Config, js jetstream.JetStream, progress io.Writer) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	run := newRunID()
	start := time.Now()
	cn, err := startCounter(ctx, js, &cfg, run, start, cfg.Wait)
	if err != nil {
		return nil, err
	}
	defer cn.close()

	st := &sendState{sent: newBitset(cfg.Count)}
	stats := &informStats{}
	senders, err := prepare(ctx, &cfg, run, start, st, stats)
	if err != nil {
		return nil, err
	}
	base := time.Since(start)
	st.sched = newSchedule(start, base, cfg.Count, cfg.Rate)
	limit := time.AfterFunc(cfg.Duration, st.sched.stop)
	defer limit.Stop()
	stopOnCancel := context.AfterFunc(ctx, st.sched.stop)
	defer stopOnCancel()
	// No write may go on past the sending limit: a receiver that stops
	// reading cannot hang the run.
	for _, s := range senders {
		s.setDeadline(start.Add(base + cfg.Duration))
	}

	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Add(1)
		go func() { defer wg.Done(); s.run(ctx) }()
	}
	sendDone := make(chan struct{})
	go func() { wg.Wait(); close(sendDone) }()
	if progress != nil {
		stopProgress := make(chan struct{})
		defer close(stopProgress)
		go printProgress(progress, st, cn, stopProgress)
	}
	select {
	case <-sendDone:
	case <-ctx.Done():
		<-sendDone // the senders see the schedule stop and return
	}
	sendEnd := time.Since(start)

	r := &Report{
		Run: run, Proto: cfg.Proto, Target: cfg.Target, Stream: cfg.Stream,
		Connections: cfg.Connections, Rate: cfg.Rate, Count: cfg.Count,
	}
	deadline := time.Now().Add(cfg.Wait)
	for ctx.Err() == nil && cn.arrivedCount() < int(st.nSent.Load()) {
		if time.Now().After(deadline) {
			r.TimedOut = true
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.Interrupted = ctx.Err() != nil
	cn.close()
	fill(r, st, cn, stats, base, sendEnd, cfg.Proto.Inform())
	return r, nil
}

// fill computes the report from the final tallies.
func fill(r *Report, st *sendState, cn *counter, stats *informStats, base, sendEnd time.Duration, inform bool) {
	r.Sent, r.SendErrors = int(st.nSent.Load()), int(st.nErrors.Load())
	if st.firstErr != nil {
		r.FirstError = st.firstErr.Error()
	}
	r.SendSeconds = (sendEnd - base).Seconds()
	r.SendRate = rate(r.Sent, r.SendSeconds)
	r.Received = countAnd(st.sent, cn.arrived, true)
	r.Lost = countAnd(st.sent, cn.arrived, false)
	r.ArrivedUnsent = cn.distinct - r.Received
	if r.Sent > 0 {
		r.LostPercent = 100 * float64(r.Lost) / float64(r.Sent)
	}
	r.Duplicates, r.Foreign, r.Invalid = cn.duplicates, cn.foreign, cn.invalid
	if cn.firstBad != nil {
		r.FirstInvalid = cn.firstBad.Error()
	}
	if cn.distinct > 0 {
		r.ArriveSeconds = (cn.last - base).Seconds()
		r.ArriveRate = rate(r.Received, r.ArriveSeconds)
	}
	r.Latency = percentiles(cn.latencies)
	if inform {
		r.Informs = &InformReport{
			Answered: int(stats.answered.Load()), Unanswered: int(stats.unanswered.Load()),
			Retries: int(stats.retries.Load()), Reports: int(stats.reports.Load()),
		}
	}
}

func printProgress(w io.Writer, st *sendState, cn *counter, stop <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fmt.Fprintf(w, "sent %d, arrived %d, send errors %d\n", st.nSent.Load(), cn.arrivedCount(), st.nErrors.Load())
		}
	}
}

// sender is one connection's worth of sending.
type sender interface {
	run(ctx context.Context)
	setDeadline(t time.Time)
}

func (s *streamSender) setDeadline(t time.Time)   { s.conn.SetWriteDeadline(t) }
func (s *datagramSender) setDeadline(t time.Time) { s.conn.SetWriteDeadline(t) }
func (in *informer) setDeadline(t time.Time)      { in.conn.SetWriteDeadline(t) }

// prepare connects the senders and builds what can be built before the
// clock starts: connections, TLS handshakes, SNMPv3 keys and discovery.
func prepare(ctx context.Context, c *Config, run string, start time.Time, st *sendState, stats *informStats) (_ []sender, err error) {
	var senders []sender
	defer func() {
		if err != nil {
			for _, s := range senders {
				closeSender(s)
			}
		}
	}()
	systems := systemNames(c.Systems)
	switch {
	case c.Proto.Stream():
		for range c.Connections {
			conn, err := dialStream(ctx, c)
			if err != nil {
				return nil, err
			}
			senders = append(senders, &streamSender{
				st: st, conn: conn, build: newSyslogBuilder(c.Format, run, systems),
				octets: c.Proto == TLS || c.Framing == FramingOctet, buf: make([]byte, 0, streamBatch+4096),
			})
		}
	case c.Proto == UDP:
		for range c.Connections {
			conn, err := dialUDP(c.Target)
			if err != nil {
				return nil, err
			}
			b := newSyslogBuilder(c.Format, run, systems)
			senders = append(senders, &datagramSender{st: st, conn: conn,
				build: func(dst []byte, seq int, sent time.Duration) ([]byte, error) {
					return b.append(dst, seq, time.Now(), sent), nil
				}})
		}
	default:
		tb := &trapBuilder{proto: c.Proto, run: run, systems: systems, community: c.Community, start: start}
		var clock *engineClock
		if c.Proto.V3() {
			engine, err := senderEngineID(c.User, run)
			if err != nil {
				return nil, err
			}
			tb.engine = func() (uint32, uint32) { return 1, uint32(time.Since(start) / time.Second) }
			if c.Proto.Inform() {
				conn, err := dialUDP(c.Target)
				if err != nil {
					return nil, err
				}
				var boots, t uint32
				engine, boots, t, err = discover(ctx, conn, c.InformTimeout, c.InformRetries)
				conn.Close()
				if err != nil {
					return nil, err
				}
				clock = &engineClock{}
				clock.set(boots, t)
				tb.engine = clock.now
			}
			if tb.keys, err = localise(c.User, engine); err != nil {
				return nil, err
			}
		}
		for range c.Connections {
			conn, err := dialUDP(c.Target)
			if err != nil {
				return nil, err
			}
			if c.Proto.Inform() {
				senders = append(senders, newInformer(st, stats, conn, tb, c, clock))
				continue
			}
			senders = append(senders, &datagramSender{st: st, conn: conn,
				build: func(_ []byte, seq int, sent time.Duration) ([]byte, error) {
					return tb.build(seq, sent, requestID(seq))
				}})
		}
	}
	return senders, nil
}

func closeSender(s sender) {
	switch s := s.(type) {
	case *streamSender:
		s.conn.Close()
	case *datagramSender:
		s.conn.Close()
	case *informer:
		s.conn.Close()
	}
}

// dialUDP opens a connected UDP socket with a large send buffer.
func dialUDP(target string) (*net.UDPConn, error) {
	addr, err := net.ResolveUDPAddr("udp", target)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", target, err)
	}
	conn, err := net.DialUDP("udp", nil, addr)
	if err != nil {
		return nil, fmt.Errorf("dial udp %s: %w", target, err)
	}
	conn.SetWriteBuffer(4 << 20) // best effort: the kernel caps it
	return conn, nil
}
