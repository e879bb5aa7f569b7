package publish

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// quiet discards logs: nats goroutines may log after a test has ended,
// when writing to t would panic.
func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// startServer starts an embedded server that the test shuts down at its end.
func startServer(t testing.TB, port int, dir string) *Embedded {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := StartEmbedded(ctx, EmbeddedConfig{Host: "127.0.0.1", Port: port, StoreDir: dir}, quiet())
	require.NoError(t, err)
	t.Cleanup(e.Shutdown)
	return e
}

// connect returns a connection that reconnects quickly, closed at the
// test's end.
func connect(t testing.TB, url string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := Connect(ConnConfig{URLs: url, Name: t.Name(), ReconnectWait: 50 * time.Millisecond}, quiet())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return nc, js
}

func ensureStream(t testing.TB, js jetstream.JetStream) jetstream.Stream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := EnsureStream(ctx, js, StreamConfig{})
	require.NoError(t, err)
	return s
}

// storedIDs reads the whole stream and counts each Nats-Msg-Id.
func storedIDs(t testing.TB, js jetstream.JetStream, stream string) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	total := int(info.State.Msgs)
	ids := make(map[string]int, total)
	if total == 0 {
		return ids
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	for read := 0; read < total; {
		batch, err := c.Fetch(min(total-read, 1000), jetstream.FetchMaxWait(5*time.Second))
		require.NoError(t, err)
		n := 0
		for m := range batch.Messages() {
			ids[m.Headers().Get(jetstream.MsgIDHeader)]++
			n++
		}
		require.NoError(t, batch.Error())
		require.NotZero(t, n, "stream holds %d messages but the consumer stopped after %d", total, read)
		read += n
	}
	return ids
}

// doneLog records every done call per msg id.
type doneLog struct {
	mu    sync.Mutex
	calls map[string][]error
}

func newDoneLog() *doneLog { return &doneLog{calls: map[string][]error{}} }

func (d *doneLog) fn(id string) func(error) {
	return func(err error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.calls[id] = append(d.calls[id], err)
	}
}

func (d *doneLog) snapshot() map[string][]error {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string][]error, len(d.calls))
	for k, v := range d.calls {
		out[k] = append([]error(nil), v...)
	}
	return out
}

func msgIDFor(prefix string, i int) string { return fmt.Sprintf("%s-%06d", prefix, i) }

// publishN publishes n messages with ids prefix-000000... and records
// their done calls in dl.
func publishN(t testing.TB, p *Publisher, dl *doneLog, prefix string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := range n {
		id := msgIDFor(prefix, i)
		data := []byte(`{"id":"` + id + `"}`)
		require.NoError(t, p.Publish(ctx, "pbx.test.log.info", id, data, dl.fn(id)))
	}
}

// requireExactlyOnce checks that ids prefix-0..n-1 are stored once each
// and nothing else is.
func requireExactlyOnce(t testing.TB, ids map[string]int, prefixes map[string]int) {
	t.Helper()
	want := map[string]int{}
	for prefix, n := range prefixes {
		for i := range n {
			want[msgIDFor(prefix, i)] = 1
		}
	}
	var missing, dup, extra []string
	for id := range want {
		switch c := ids[id]; {
		case c == 0:
			missing = append(missing, id)
		case c > 1:
			dup = append(dup, id)
		}
	}
	for id := range ids {
		if _, ok := want[id]; !ok {
			extra = append(extra, id)
		}
	}
	require.Empty(t, missing, "messages missing from the stream")
	require.Empty(t, dup, "messages stored more than once")
	require.Empty(t, extra, "unexpected messages in the stream")
}

// requireDoneOnce checks that every id got exactly one done(nil).
func requireDoneOnce(t testing.TB, dl *doneLog, prefix string, n int) {
	t.Helper()
	calls := dl.snapshot()
	var bad []string
	for i := range n {
		id := msgIDFor(prefix, i)
		if c := calls[id]; len(c) != 1 || c[0] != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", id, c))
		}
	}
	require.Empty(t, bad, "done not called exactly once with nil")
}

func waitIdle(t testing.TB, p *Publisher, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool { return p.Stats().InFlight == 0 }, within, 10*time.Millisecond,
		"messages still in flight: %+v", p.Stats())
}

func closePublisher(t testing.TB, p *Publisher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, p.Close(ctx))
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// newPublisher returns a Publisher that is closed at the test's end if the
// test has not closed it, so a failing test leaves no workers behind.
func newPublisher(t testing.TB, js jetstream.JetStream, opts ...Option) *Publisher {
	t.Helper()
	p := NewPublisher(js, append([]Option{WithLogger(quiet())}, opts...)...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.Close(ctx)
	})
	return p
}

// requireNoWorkers checks that no Publisher goroutine is left: tests run
// one at a time and close their publishers. A worker has called Done before
// its goroutine has quite returned, so this waits a moment for it.
func requireNoWorkers(t testing.TB) {
	t.Helper()
	stacks := func() string {
		buf := make([]byte, 1<<20)
		for {
			n := runtime.Stack(buf, true)
			if n < len(buf) {
				return string(buf[:n])
			}
			buf = make([]byte, 2*len(buf))
		}
	}
	require.Eventually(t, func() bool {
		s := stacks()
		return !strings.Contains(s, "(*Publisher).collect") && !strings.Contains(s, "(*Publisher).retryLoop")
	}, 5*time.Second, 10*time.Millisecond, "a Publisher goroutine is still running")
}
