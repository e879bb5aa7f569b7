package spool

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/ingest/publish"
	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// remote is the "far" NATS server the spool forwards to, restartable on
// the same port and store.
type remote struct {
	t    testing.TB
	port int
	dir  string
	srv  *publish.Embedded
}

func newRemote(t testing.TB) *remote {
	r := &remote{t: t, port: testnet.FreePort(t, "tcp"), dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *remote) start() {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := publish.StartEmbedded(ctx, publish.EmbeddedConfig{Host: "127.0.0.1", Port: r.port, StoreDir: r.dir}, quiet())
	require.NoError(r.t, err)
	r.srv = srv
}

func (r *remote) stop() {
	if r.srv != nil {
		r.srv.Shutdown()
		r.srv = nil
	}
}

// js connects to the remote, reconnecting quickly, with the events stream.
func (r *remote) js() jetstream.JetStream {
	r.t.Helper()
	nc, err := publish.Connect(publish.ConnConfig{URLs: fmt.Sprintf("nats://127.0.0.1:%d", r.port), ReconnectWait: 50 * time.Millisecond}, quiet())
	require.NoError(r.t, err)
	r.t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(r.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = publish.EnsureStream(ctx, js, publish.StreamConfig{Name: "PBX_EVENTS", Subjects: []string{"pbx.>"}})
	require.NoError(r.t, err)
	return js
}

// storedIDs returns the msg ids in the remote stream, in stream order.
func storedIDs(t testing.TB, js jetstream.JetStream) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, "PBX_EVENTS")
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	total := int(info.State.Msgs)
	var ids []string
	if total == 0 {
		return ids
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	for len(ids) < total {
		batch, err := c.Fetch(min(total-len(ids), 1000), jetstream.FetchMaxWait(5*time.Second))
		require.NoError(t, err)
		for m := range batch.Messages() {
			ids = append(ids, m.Headers().Get(jetstream.MsgIDHeader))
		}
		require.NoError(t, batch.Error())
	}
	return ids
}

func openSpool(t testing.TB, dir string, maxBytes int64) *Spool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, Config{Dir: dir, MaxBytes: maxBytes, Subjects: []string{"pbx.>"}}, quiet())
	require.NoError(t, err)
	return s
}

// spoolIn publishes ids into the spool and returns once each is spooled.
func spoolIn(t testing.TB, s *Spool, ids []string) {
	t.Helper()
	pub := publish.NewPublisher(s.JetStream(), publish.WithLogger(quiet()))
	var wg sync.WaitGroup
	var failed atomic.Int64
	for _, id := range ids {
		wg.Add(1)
		err := pub.Publish(context.Background(), "pbx.sys1.log.info", id, []byte("event "+id), func(err error) {
			if err != nil {
				failed.Add(1)
			}
			wg.Done()
		})
		require.NoError(t, err)
	}
	wg.Wait()
	require.Zero(t, failed.Load())
	require.NoError(t, pub.Close(context.Background()))
}

func ids(prefix string, from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s-%06d", prefix, i))
	}
	return out
}

// runForwarder runs f until the test ends.
func runForwarder(t testing.TB, f *Forwarder) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	return stop
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 60*time.Second, 20*time.Millisecond, what)
}

func remoteCount(t testing.TB, js jetstream.JetStream) uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, "PBX_EVENTS")
	if err != nil {
		return 0
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0
	}
	return info.State.Msgs
}

func spoolMessages(t testing.TB, s *Spool) uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := s.Stats(ctx)
	require.NoError(t, err)
	return st.Messages
}

func TestForwardDeliversEachMessageOnceInOrderAndEmptiesTheSpool(t *testing.T) {
	r := newRemote(t)
	js := r.js()
	s := openSpool(t, t.TempDir(), 64<<20)
	defer s.Close()
	want := ids("a", 0, 5000)
	spoolIn(t, s, want)
	require.EqualValues(t, len(want), spoolMessages(t, s))

	f := s.NewForwarder(js, publish.WithLogger(quiet()))
	stop := runForwarder(t, f)
	waitFor(t, "all forwarded", func() bool { return remoteCount(t, js) >= uint64(len(want)) })
	waitFor(t, "spool emptied", func() bool { return spoolMessages(t, s) == 0 })
	stop()
	require.Equal(t, want, storedIDs(t, js))
	require.EqualValues(t, len(want), f.Stats().Forwarded)
}

func TestForwardHoldsThroughARemoteOutageAndDrainsInOrder(t *testing.T) {
	r := newRemote(t)
	js := r.js()
	s := openSpool(t, t.TempDir(), 64<<20)
	defer s.Close()
	f := s.NewForwarder(js, publish.WithLogger(quiet()), publish.WithRetryBackoff(20*time.Millisecond, 200*time.Millisecond))
	runForwarder(t, f)

	before := ids("before", 0, 2000)
	spoolIn(t, s, before)
	waitFor(t, "first part forwarded", func() bool { return remoteCount(t, js) == uint64(len(before)) })

	r.stop()
	during := ids("during", 0, 3000)
	spoolIn(t, s, during) // accepted although the remote is down
	require.GreaterOrEqual(t, spoolMessages(t, s), uint64(len(during)),
		"the spool holds what the remote could not take")
	r.start()

	want := append(before, during...)
	waitFor(t, "everything forwarded after the outage", func() bool { return remoteCount(t, js) >= uint64(len(want)) })
	waitFor(t, "spool emptied", func() bool { return spoolMessages(t, s) == 0 })
	require.Equal(t, want, storedIDs(t, js))
}

func TestSpoolSurvivesRestartAndResendsAreDroppedRemotely(t *testing.T) {
	r := newRemote(t)
	js := r.js()
	dir := t.TempDir()

	// A first run spools messages but never reaches the remote.
	s := openSpool(t, dir, 64<<20)
	first := ids("kept", 0, 1500)
	spoolIn(t, s, first)
	s.Close()

	// The next run finds them and forwards them.
	s = openSpool(t, dir, 64<<20)
	defer s.Close()
	require.EqualValues(t, len(first), spoolMessages(t, s))
	f := s.NewForwarder(js, publish.WithLogger(quiet()))
	runForwarder(t, f)
	waitFor(t, "replayed", func() bool { return remoteCount(t, js) >= uint64(len(first)) })

	// A crash after the remote PubAck but before the purge means the same
	// messages are forwarded again: the remote keeps one copy of each.
	spoolIn(t, s, first[:500])
	waitFor(t, "resends forwarded and purged", func() bool { return spoolMessages(t, s) == 0 })
	require.Equal(t, first, storedIDs(t, js))
}

func TestFullSpoolHoldsPublishersUntilTheForwarderMakesRoom(t *testing.T) {
	r := newRemote(t)
	js := r.js()
	const maxBytes = 256 << 10
	s := openSpool(t, t.TempDir(), maxBytes)
	defer s.Close()

	pub := publish.NewPublisher(s.JetStream(), publish.WithLogger(quiet()),
		publish.WithMaxInFlight(64), publish.WithRetryBackoff(10*time.Millisecond, 50*time.Millisecond))
	body := []byte(strings.Repeat("x", 1024))
	want := ids("full", 0, 600) // about 2.5 times the bound
	var spooled atomic.Int64
	published := make(chan struct{})
	go func() {
		defer close(published)
		for _, id := range want {
			if err := pub.Publish(context.Background(), "pbx.sys1.log.info", id, body, func(err error) {
				if err == nil {
					spooled.Add(1)
				}
			}); err != nil {
				t.Errorf("publish %s: %v", id, err)
				return
			}
		}
	}()
	// The spool fills and stops taking messages: the publisher blocks.
	waitFor(t, "spool full", func() bool {
		st, err := s.Stats(context.Background())
		return err == nil && st.Messages > 0 && spooled.Load() == int64(st.Messages) && pub.Stats().InFlight == 64
	})
	require.Less(t, spooled.Load(), int64(len(want)))
	select {
	case <-published:
		t.Fatal("every publish returned although the spool is full")
	default:
	}

	f := s.NewForwarder(js, publish.WithLogger(quiet()))
	runForwarder(t, f)
	<-published
	require.NoError(t, pub.Close(context.Background()))
	waitFor(t, "all forwarded", func() bool { return remoteCount(t, js) >= uint64(len(want)) })
	require.EqualValues(t, len(want), spooled.Load())
	// Publishes refused by the full spool are retried on the publisher's
	// backoff, so the order among them is not kept; each arrives once.
	require.ElementsMatch(t, want, storedIDs(t, js))
}

func TestDrainWaitsForEverythingSpooled(t *testing.T) {
	r := newRemote(t)
	js := r.js()
	s := openSpool(t, t.TempDir(), 64<<20)
	defer s.Close()
	want := ids("drain", 0, 3000)
	spoolIn(t, s, want)
	f := s.NewForwarder(js, publish.WithLogger(quiet()))
	runForwarder(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, f.Drain(ctx))
	require.EqualValues(t, len(want), remoteCount(t, js), "Drain returned before everything was forwarded")
}

func TestDrainGivesUpAtItsDeadlineWhileTheRemoteIsDown(t *testing.T) {
	r := newRemote(t)
	js := r.js()
	r.stop()
	s := openSpool(t, t.TempDir(), 64<<20)
	defer s.Close()
	spoolIn(t, s, ids("stuck", 0, 100))
	f := s.NewForwarder(js, publish.WithLogger(quiet()))
	runForwarder(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := f.Drain(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Contains(t, err.Error(), "100 of the spooled messages not forwarded")
	require.EqualValues(t, 100, spoolMessages(t, s), "nothing leaves the spool unforwarded")
}
