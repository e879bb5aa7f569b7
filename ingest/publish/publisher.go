package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/time/rate"
)

// ErrClosed is returned by Publish once Close has begun, and passed to the
// done callback of each message that Close gave up on.
var ErrClosed = errors.New("publish: publisher closed")

// PublisherStats counts what a Publisher has done since it was created.
type PublisherStats struct {
	// Published counts messages accepted by Publish.
	Published uint64
	// Acked counts messages whose PubAck arrived, Duplicates included.
	Acked uint64
	// Retried counts failed or timed-out attempts that were sent again.
	Retried uint64
	// Duplicates counts PubAcks flagged duplicate: the stream already held
	// the msg id (an earlier attempt, or the same id published twice).
	Duplicates uint64
	// InFlight is the number of messages accepted and not yet acked.
	InFlight int
	// FailedOnClose counts messages abandoned by Close when its context
	// ended before their PubAck.
	FailedOnClose uint64
}

// Publisher publishes messages to JetStream asynchronously and holds each
// one until its PubAck arrives, retrying with the same msg id, so that
// nothing accepted is lost and nothing is stored twice. It is safe for
// concurrent use.
//
// Two goroutines do the work whatever the rate: one collects PubAcks in
// publish order (and calls the done callbacks), one resends failed messages
// after a capped exponential backoff, holding them while the connection is
// down.
type Publisher struct {
	js  jetstream.JetStream
	own bool // js was made here and is cleaned up by Close
	nc  *nats.Conn
	cfg config
	log *slog.Logger

	slots  chan struct{} // one token per message in flight
	sent   chan *message // awaiting their PubAck, in publish order
	failed chan *message // awaiting a retry

	mu      sync.Mutex
	closed  bool
	closing chan struct{}  // closed when Close begins
	callers sync.WaitGroup // Publish calls that got past the closed check

	draining  atomic.Bool // set once no new message can be accepted
	drainOnce sync.Once
	drained   chan struct{} // closed when draining and nothing is in flight
	stop      chan struct{} // everything acked: workers return
	abort     chan struct{} // Close's ctx ended: workers hand messages back
	workers   sync.WaitGroup

	closeOnce sync.Once
	closeErr  error

	published, acked, retried, duplicates, failedOnClose atomic.Uint64
	inFlight                                             atomic.Int64

	warnRetry rate.Sometimes
}

// message is one accepted message; exactly one goroutine or channel holds
// it at a time until finish.
type message struct {
	msg     *nats.Msg
	done    func(error)
	fut     jetstream.PubAckFuture
	attempt int       // failed attempts so far
	due     time.Time // when the retrier sends it again
}

// NewPublisher returns a Publisher over js's connection. It publishes
// through a JetStream context of its own (same domain or API prefix as js)
// whose pending limit and ack timeout match its options, so that other
// users of js neither share nor disturb its bookkeeping.
func NewPublisher(js jetstream.JetStream, opts ...Option) *Publisher {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	p := &Publisher{
		js:        js,
		nc:        js.Conn(),
		cfg:       cfg,
		log:       cfg.logger.With("component", "publisher"),
		slots:     make(chan struct{}, cfg.maxInFlight),
		sent:      make(chan *message, cfg.maxInFlight),
		failed:    make(chan *message, cfg.maxInFlight),
		closing:   make(chan struct{}),
		drained:   make(chan struct{}),
		stop:      make(chan struct{}),
		abort:     make(chan struct{}),
		warnRetry: rate.Sometimes{First: 1, Interval: 10 * time.Second},
	}
	if own, err := ownJetStream(js, cfg); err != nil {
		p.log.Warn("publishing through the given JetStream context", "err", err)
	} else {
		p.js, p.own = own, true
	}
	connected := p.nc.StatusChanged(nats.CONNECTED)
	p.workers.Add(2)
	go p.collect()
	go p.retryLoop(connected)
	return p
}

func ownJetStream(js jetstream.JetStream, cfg config) (jetstream.JetStream, error) {
	o := js.Options()
	jo := []jetstream.JetStreamOpt{
		jetstream.WithPublishAsyncMaxPending(cfg.maxInFlight),
		jetstream.WithPublishAsyncTimeout(cfg.ackTimeout),
	}
	if o.DefaultTimeout > 0 {
		jo = append(jo, jetstream.WithDefaultTimeout(o.DefaultTimeout))
	}
	if o.ClientTrace != nil {
		jo = append(jo, jetstream.WithClientTrace(o.ClientTrace))
	}
	switch {
	case o.Domain != "":
		return jetstream.NewWithDomain(js.Conn(), o.Domain, jo...)
	case o.APIPrefix != "":
		return jetstream.NewWithAPIPrefix(js.Conn(), o.APIPrefix, jo...)
	default:
		return jetstream.New(js.Conn(), jo...)
	}
}

// Publish sends data on subject with Nats-Msg-Id msgID and returns once
// the message is in flight; it blocks while MaxInFlight messages await
// their PubAck. done, if not nil, is called exactly once: with nil after
// the PubAck (the message is in the stream), or with an error wrapping
// ErrClosed if Close gave up on it. done runs on the publisher's collecting
// goroutine: it must be quick and must not call Publish.
//
// data is kept for retries and must not be changed until done is called.
// Publish returns an error, and then does not call done, only when ctx
// ends, the publisher is closed, or subject or msgID is empty.
func (p *Publisher) Publish(ctx context.Context, subject, msgID string, data []byte, done func(error)) error {
	if subject == "" || msgID == "" {
		return fmt.Errorf("publish: subject %q and msg id %q must both be set", subject, msgID)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("publish: %s: %w", subject, err)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	p.callers.Add(1)
	p.mu.Unlock()
	defer p.callers.Done()

	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("publish: %s: wait for a free slot: %w", subject, ctx.Err())
	case <-p.closing:
		return ErrClosed
	}
	p.inFlight.Add(1)
	p.published.Add(1)
	m := &message{
		msg: &nats.Msg{
			Subject: subject,
			Data:    data,
			Header:  nats.Header{jetstream.MsgIDHeader: []string{msgID}},
		},
		done: done,
	}
	fut, err := p.js.PublishMsgAsync(m.msg)
	if err != nil {
		p.failAttempt(m, err)
		return nil
	}
	m.fut = fut
	p.sent <- m // never blocks: the channel holds MaxInFlight
	return nil
}

// failAttempt hands m to the retrier.
func (p *Publisher) failAttempt(m *message, err error) {
	p.noteFailure(m, err)
	p.failed <- m // never blocks: the channel holds MaxInFlight
}

// noteFailure counts a failed attempt. During an outage every message in
// flight fails at once, so the warning is rate-limited.
func (p *Publisher) noteFailure(m *message, err error) {
	m.attempt++
	p.retried.Add(1)
	p.warnRetry.Do(func() {
		p.log.Warn("publish failed, retrying with the same msg id",
			"subject", m.msg.Subject, "msg_id", msgID(m), "attempt", m.attempt, "err", err,
			"retried_total", p.retried.Load())
	})
	p.log.Debug("publish attempt failed", "subject", m.msg.Subject, "msg_id", msgID(m),
		"attempt", m.attempt, "err", err)
}

// finish reports m's outcome and frees its slot.
func (p *Publisher) finish(m *message, err error) {
	if m.done != nil {
		m.done(err)
	}
	<-p.slots
	if p.inFlight.Add(-1) == 0 && p.draining.Load() {
		p.drainOnce.Do(func() { close(p.drained) })
	}
}

// Close stops taking new messages and waits until every message in flight
// is acked. If ctx ends first, it gives up on the rest, calls their done
// with an error wrapping ErrClosed and returns an error with their count.
// Either way its goroutines have returned. Later calls return the first
// call's result.
func (p *Publisher) Close(ctx context.Context) error {
	p.closeOnce.Do(func() { p.closeErr = p.close(ctx) })
	return p.closeErr
}

func (p *Publisher) close(ctx context.Context) error {
	p.mu.Lock()
	p.closed = true
	close(p.closing)
	p.mu.Unlock()
	p.callers.Wait() // from here on nothing enters flight

	p.draining.Store(true)
	if p.inFlight.Load() == 0 {
		p.drainOnce.Do(func() { close(p.drained) })
	}
	var err error
	select {
	case <-p.drained:
		close(p.stop)
		p.workers.Wait()
	case <-ctx.Done():
		close(p.abort)
		p.workers.Wait()
		if n := p.abandonAll(); n > 0 {
			err = fmt.Errorf("publish: close: %d messages not acked: %w", n, ctx.Err())
		}
	}
	if p.own {
		p.js.CleanupPublisher()
	}
	s := p.Stats()
	p.log.Info("publisher closed", "published", s.Published, "acked", s.Acked,
		"retried", s.Retried, "duplicates", s.Duplicates, "failed_on_close", s.FailedOnClose)
	return err
}

// abandonAll fails every message the stopped workers handed back.
func (p *Publisher) abandonAll() int {
	n := 0
	for {
		var m *message
		select {
		case m = <-p.sent:
		case m = <-p.failed:
		default:
			return n
		}
		n++
		p.failedOnClose.Add(1)
		p.finish(m, fmt.Errorf("publish: %s (msg id %s) not acked: %w", m.msg.Subject, msgID(m), ErrClosed))
	}
}

// Stats returns the publisher's counters.
func (p *Publisher) Stats() PublisherStats {
	return PublisherStats{
		Published:     p.published.Load(),
		Acked:         p.acked.Load(),
		Retried:       p.retried.Load(),
		Duplicates:    p.duplicates.Load(),
		InFlight:      int(p.inFlight.Load()),
		FailedOnClose: p.failedOnClose.Load(),
	}
}

func msgID(m *message) string { return m.msg.Header.Get(jetstream.MsgIDHeader) }
