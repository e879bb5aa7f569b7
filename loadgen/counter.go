package loadgen

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/pbxalarm/pbxalarm/events"
)

// counter reads the stream from where it stood when the run began and
// tallies the run's events by sequence number.
type counter struct {
	finder   tokenFinder
	start    time.Time // the run's clock, as in the tokens
	count    int
	validate int // decode and validate every Nth event; 0: none

	mu         sync.Mutex
	arrived    bitset
	latencies  []time.Duration
	distinct   int
	duplicates int
	foreign    int // events without this run's token
	invalid    int
	firstBad   error
	seen       int
	last       time.Duration // arrival of the last new message, since start
	closed     bool
	inflight   sync.WaitGroup // handle calls past the closed check
	stop       func()
	stopOnce   sync.Once
}

// startCounter begins consuming stream (subjects under prefix) after its
// last message, waiting up to wait for the stream to exist.
func startCounter(ctx context.Context, js jetstream.JetStream, c *Config, run string, start time.Time, wait time.Duration) (*counter, error) {
	cn := &counter{
		finder: newTokenFinder(run), start: start, count: c.Count, validate: c.ValidateEvery,
		arrived: newBitset(c.Count), latencies: make([]time.Duration, 0, min(c.Count, 1<<20)),
	}
	deadline := time.Now().Add(wait)
	var (
		st  jetstream.Stream
		err error
	)
	for {
		attempt, cancel := context.WithTimeout(ctx, 5*time.Second)
		st, err = js.Stream(attempt, c.Stream)
		cancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return nil, fmt.Errorf("stream %s: %w", c.Stream, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", c.Stream, err)
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{c.SubjectPrefix + ".>"},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    info.State.LastSeq + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("consumer on stream %s: %w", c.Stream, err)
	}
	cc, err := cons.Consume(cn.handle, jetstream.PullMaxMessages(4096))
	if err != nil {
		return nil, fmt.Errorf("consume stream %s: %w", c.Stream, err)
	}
	cn.stop = cc.Stop
	return cn, nil
}

// handle takes one message; the consumer calls it from one goroutine.
func (cn *counter) handle(m jetstream.Msg) {
	now := time.Since(cn.start)
	data := m.Data()
	seq, sent, ok := cn.finder.find(data)
	cn.mu.Lock()
	if cn.closed {
		cn.mu.Unlock()
		return
	}
	cn.inflight.Add(1) // close waits for this event's tally
	defer cn.inflight.Done()
	cn.seen++
	check := cn.validate > 0 && cn.seen%cn.validate == 0
	cn.mu.Unlock()
	var bad error
	if check {
		if _, err := events.Unmarshal(data); err != nil {
			bad = fmt.Errorf("event %s on %s: %w", eventID(m), m.Subject(), err)
		}
	}
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if bad != nil {
		cn.invalid++
		if cn.firstBad == nil {
			cn.firstBad = bad
		}
	}
	if !ok || seq >= cn.count {
		cn.foreign++
		return
	}
	if !cn.arrived.set(seq) {
		cn.duplicates++
		return
	}
	cn.distinct++
	cn.latencies = append(cn.latencies, now-sent)
	cn.last = now
}

func eventID(m jetstream.Msg) string {
	if id := m.Headers().Get(jetstream.MsgIDHeader); id != "" {
		return id
	}
	return "(no id)"
}

// arrivedCount is how many distinct messages of the run have arrived.
func (cn *counter) arrivedCount() int {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.distinct
}

// close stops consuming; the tallies are final afterwards.
func (cn *counter) close() {
	cn.stopOnce.Do(cn.stop)
	// Consume's callback may still be running for one message: once
	// closed is set it takes no more, and the one it has is tallied
	// before close returns.
	cn.mu.Lock()
	cn.closed = true
	cn.mu.Unlock()
	cn.inflight.Wait()
}
