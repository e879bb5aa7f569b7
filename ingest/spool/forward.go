package spool

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/pbxalarm/pbxalarm/ingest/publish"
)

// purgeEvery is how often forwarded messages are purged from the spool:
// one purge request covers everything acknowledged since the last.
const purgeEvery = 100 * time.Millisecond

// Forwarder moves the spool's messages, in order, to a remote JetStream.
type Forwarder struct {
	s   *Spool
	pub *publish.Publisher

	mu     sync.Mutex
	queue  []uint64            // spool sequences handed to the publisher, in order
	acked  map[uint64]struct{} // of those, acknowledged by the remote stream
	floor  uint64              // every message up to here is forwarded
	purged uint64              // every message below this is purged
	moved  chan struct{}       // signalled when floor advances

	forwarded atomic.Uint64
}

// NewForwarder returns a forwarder to remote. opts configure its publisher
// (in-flight bound, retry backoff, logger).
func (s *Spool) NewForwarder(remote jetstream.JetStream, opts ...publish.Option) *Forwarder {
	return &Forwarder{
		s:     s,
		pub:   publish.NewPublisher(remote, opts...),
		acked: map[uint64]struct{}{},
		moved: make(chan struct{}, 1),
	}
}

// ForwarderStats counts what a forwarder has done.
type ForwarderStats struct {
	Forwarded uint64 // messages the remote stream acknowledged
	Publisher publish.PublisherStats
}

// Stats returns the forwarder's counters.
func (f *Forwarder) Stats() ForwarderStats {
	return ForwarderStats{Forwarded: f.forwarded.Load(), Publisher: f.pub.Stats()}
}

// Run forwards until ctx ends. A message is purged from the spool only
// after the remote PubAck for it and for every message before it. While
// the remote is unreachable the publisher holds and retries what it has
// (each with its original Nats-Msg-Id), and reading the spool waits.
// Messages still unacknowledged when ctx ends stay in the spool for the
// next run.
func (f *Forwarder) Run(ctx context.Context) error {
	cons, err := f.s.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("spool: forward: consumer: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(512))
	if err != nil {
		return fmt.Errorf("spool: forward: read: %w", err)
	}
	defer it.Stop()
	stopReading := context.AfterFunc(ctx, it.Stop)
	defer stopReading()

	var purger sync.WaitGroup
	defer purger.Wait() // last: after the publisher is closed, a final purge
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	purger.Add(1)
	go func() { defer purger.Done(); f.purgeLoop(ctx) }()

	// The publisher must outlive ctx by a moment so that it hands back
	// what it still holds; none of that is lost, it stays spooled.
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = f.pub.Close(closeCtx)
	}()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return fmt.Errorf("spool: forward: next: %w", err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("spool: forward: metadata: %w", err)
		}
		seq := meta.Sequence.Stream
		id := msg.Headers().Get(jetstream.MsgIDHeader)
		if id == "" {
			// Every message is spooled with an id; one without could not
			// be de-duplicated remotely, so it gets a stable one.
			id = fmt.Sprintf("spool-%d-%d", meta.Timestamp.UnixNano(), seq)
		}
		f.mu.Lock()
		if len(f.queue) == 0 && f.floor == 0 {
			f.floor = seq - 1
		}
		f.queue = append(f.queue, seq)
		f.mu.Unlock()
		err = f.pub.Publish(ctx, msg.Subject(), id, msg.Data(), func(err error) {
			if err == nil {
				f.ack(seq)
			}
		})
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, publish.ErrClosed) {
				return nil
			}
			return fmt.Errorf("spool: forward: publish: %w", err)
		}
	}
}

// ack records that seq reached the remote stream and advances the floor
// over every message acknowledged in order.
func (f *Forwarder) ack(seq uint64) {
	f.forwarded.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acked[seq] = struct{}{}
	advanced := false
	for len(f.queue) > 0 {
		head := f.queue[0]
		if _, ok := f.acked[head]; !ok {
			break
		}
		delete(f.acked, head)
		f.queue = f.queue[1:]
		f.floor = head
		advanced = true
	}
	if advanced {
		select {
		case f.moved <- struct{}{}:
		default:
		}
	}
}

// Floor is the spool sequence up to which everything has been forwarded.
func (f *Forwarder) Floor() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.floor
}

// purgeLoop removes forwarded messages from the spool, in batches.
func (f *Forwarder) purgeLoop(ctx context.Context) {
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// A last purge, so that a clean stop leaves nothing to resend.
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			f.purge(pctx)
			cancel()
			return
		case <-t.C:
			f.purge(ctx)
		}
	}
}

func (f *Forwarder) purge(ctx context.Context) {
	floor := f.Floor()
	if floor < f.purged || floor == 0 {
		return
	}
	if err := f.s.stream.Purge(ctx, jetstream.WithPurgeSequence(floor+1)); err != nil {
		if ctx.Err() == nil {
			f.s.log.Warn("purging forwarded messages from the spool failed; will retry", "up_to", floor, "err", err)
		}
		return
	}
	f.purged = floor + 1
}

// Drain waits until every message spooled before the call has reached the
// remote stream, or ctx ends. Run must be running.
func (f *Forwarder) Drain(ctx context.Context) error {
	st, err := f.s.Stats(ctx)
	if err != nil {
		return err
	}
	if st.Messages == 0 {
		return nil
	}
	target := st.LastSeq
	for {
		if f.Floor() >= target {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("spool: drain: %d of the spooled messages not forwarded: %w",
				target-max(f.Floor(), st.FirstSeq-1), ctx.Err())
		case <-f.moved:
		case <-time.After(100 * time.Millisecond):
		}
	}
}
