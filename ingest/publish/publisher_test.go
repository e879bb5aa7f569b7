package publish

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

func TestPublisher_StoresEveryMessageExactlyOnce(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	_, js := connect(t, srv.ClientURL())
	ensureStream(t, js)
	p := newPublisher(t, js)

	const n = 10_000
	dl := newDoneLog()
	publishN(t, p, dl, "m", n)
	closePublisher(t, p)

	requireDoneOnce(t, dl, "m", n)
	requireExactlyOnce(t, storedIDs(t, js, DefaultStreamName), map[string]int{"m": n})
	s := p.Stats()
	require.EqualValues(t, n, s.Published)
	require.EqualValues(t, n, s.Acked)
	require.Zero(t, s.InFlight)
	require.Zero(t, s.FailedOnClose)
}

func TestPublisher_DuplicateWindowKeepsOneCopy(t *testing.T) {
	cases := []struct {
		name           string
		ids            []string
		wantStored     int
		wantDuplicates uint64
	}{
		{"distinct ids are both stored", []string{"a", "b"}, 2, 0},
		{"same id twice is stored once", []string{"a", "a"}, 1, 1},
		{"same id three times is stored once", []string{"x", "x", "x"}, 1, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, -1, t.TempDir())
			_, js := connect(t, srv.ClientURL())
			ensureStream(t, js)
			p := newPublisher(t, js)
			var mu sync.Mutex
			var dones []error
			for _, id := range tc.ids {
				// Wait for each ack so the second copy meets the first in
				// the stream, as a later retransmission would.
				acked := make(chan struct{})
				err := p.Publish(context.Background(), "pbx.pbx1.log.info", id, []byte("same bytes"), func(err error) {
					mu.Lock()
					dones = append(dones, err)
					mu.Unlock()
					close(acked)
				})
				require.NoError(t, err)
				select {
				case <-acked:
				case <-time.After(30 * time.Second):
					t.Fatalf("no ack for %s", id)
				}
			}
			closePublisher(t, p)
			require.Equal(t, make([]error, len(tc.ids)), dones, "every copy gets done(nil)")
			stored := storedIDs(t, js, DefaultStreamName)
			total := 0
			for _, c := range stored {
				total += c
			}
			require.Equal(t, tc.wantStored, total)
			require.Equal(t, tc.wantDuplicates, p.Stats().Duplicates)
			require.EqualValues(t, len(tc.ids), p.Stats().Acked)
		})
	}
}

func TestPublisher_DoneOnlyAfterMessageIsStored(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	_, js := connect(t, srv.ClientURL())
	p := newPublisher(t, js, WithAckTimeout(time.Second), WithRetryBackoff(10*time.Millisecond, 100*time.Millisecond))

	const n = 300
	var mu sync.Mutex
	var stream jetstream.Stream // nil until created: nothing can be stored before
	calls := map[string]int{}
	var problems []string
	for i := range n {
		id := msgIDFor("d", i)
		subject := fmt.Sprintf("pbx.pbx%d.log.info", i)
		done := func(err error) {
			mu.Lock()
			calls[id]++
			s := stream
			mu.Unlock()
			problem := func(format string, a ...any) {
				mu.Lock()
				problems = append(problems, id+": "+fmt.Sprintf(format, a...))
				mu.Unlock()
			}
			if err != nil {
				problem("done(%v)", err)
				return
			}
			if s == nil {
				problem("done before the stream existed")
				return
			}
			// Each message has a subject of its own, so the last message on
			// it is this one if, and only if, it is already stored.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			m, err := s.GetLastMsgForSubject(ctx, subject)
			switch {
			case err != nil:
				problem("not in the stream when done ran: %v", err)
			case m.Header.Get(jetstream.MsgIDHeader) != id:
				problem("stream holds %q instead", m.Header.Get(jetstream.MsgIDHeader))
			}
		}
		require.NoError(t, p.Publish(context.Background(), subject, id, []byte(id), done))
	}
	// Let the attempts fail against the missing stream first.
	require.Eventually(t, func() bool { return p.Stats().Retried >= n }, 30*time.Second, 10*time.Millisecond)
	mu.Lock()
	stream = ensureStream(t, js)
	mu.Unlock()

	waitIdle(t, p, 30*time.Second)
	closePublisher(t, p)
	mu.Lock()
	defer mu.Unlock()
	require.Empty(t, problems)
	require.Len(t, calls, n)
	for id, c := range calls {
		require.Equal(t, 1, c, "done calls for %s", id)
	}
}

func TestPublisher_SurvivesServerRestart(t *testing.T) {
	port := testnet.FreePort(t, "tcp")
	dir := t.TempDir()
	srv := startServer(t, port, dir)
	nc, js := connect(t, srv.ClientURL())
	ensureStream(t, js)
	// The backoff cap is long, so the prompt resend after the restart
	// comes from the reconnect, not from the timer.
	p := newPublisher(t, js, WithMaxInFlight(2000),
		WithAckTimeout(time.Second), WithRetryBackoff(20*time.Millisecond, 5*time.Second))

	dl := newDoneLog()
	publishN(t, p, dl, "before", 100)
	waitIdle(t, p, 30*time.Second)

	srv.Shutdown()
	require.Eventually(t, func() bool { return !nc.IsConnected() }, 10*time.Second, 10*time.Millisecond)
	publishN(t, p, dl, "during", 1000) // must neither fail nor block: MaxInFlight is 2000
	require.EqualValues(t, 100, p.Stats().Acked, "acks while the server is down")
	// Outlast the ack timeout, so that every attempt made during the
	// outage has failed: the restart then meets both the copies the client
	// buffered and the retries.
	require.Eventually(t, func() bool { return p.Stats().Retried >= 1000 }, 30*time.Second, 10*time.Millisecond)

	startServer(t, port, dir)
	waitIdle(t, p, 60*time.Second)
	closePublisher(t, p)
	t.Logf("after the restart: %+v", p.Stats())

	requireDoneOnce(t, dl, "before", 100)
	requireDoneOnce(t, dl, "during", 1000)
	requireExactlyOnce(t, storedIDs(t, js, DefaultStreamName), map[string]int{"before": 100, "during": 1000})
}

func TestPublisher_RetriesUntilStreamExists(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	_, js := connect(t, srv.ClientURL())
	p := newPublisher(t, js, WithAckTimeout(time.Second), WithRetryBackoff(10*time.Millisecond, 100*time.Millisecond))

	const n = 50
	dl := newDoneLog()
	publishN(t, p, dl, "r", n)
	// With no stream every attempt fails; wait until each message has
	// been retried at least once, so the stream cannot have been there.
	require.Eventually(t, func() bool { return p.Stats().Retried >= 2*n }, 30*time.Second, 10*time.Millisecond)
	require.Zero(t, p.Stats().Acked)
	require.Empty(t, dl.snapshot(), "done called while no stream could store the messages")

	ensureStream(t, js)
	waitIdle(t, p, 30*time.Second)
	closePublisher(t, p)
	requireDoneOnce(t, dl, "r", n)
	requireExactlyOnce(t, storedIDs(t, js, DefaultStreamName), map[string]int{"r": n})
}

func TestPublisher_CloseWaitsForInFlight(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	_, js := connect(t, srv.ClientURL())
	ensureStream(t, js)
	p := newPublisher(t, js)

	const n = 2000
	dl := newDoneLog()
	publishN(t, p, dl, "c", n)
	closePublisher(t, p) // no wait before it: Close itself must wait

	require.Zero(t, p.Stats().InFlight)
	requireDoneOnce(t, dl, "c", n)
	requireExactlyOnce(t, storedIDs(t, js, DefaultStreamName), map[string]int{"c": n})

	err := p.Publish(context.Background(), "pbx.pbx1.log.info", "after", []byte("x"), nil)
	require.ErrorIs(t, err, ErrClosed)
	require.NoError(t, p.Close(context.Background()), "a second Close returns the first one's result")
	requireNoWorkers(t)
}

func TestPublisher_CloseOnDeadServerNamesUnackedCount(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	nc, js := connect(t, srv.ClientURL())
	ensureStream(t, js)
	p := newPublisher(t, js)
	srv.Shutdown()
	require.Eventually(t, func() bool { return !nc.IsConnected() }, 10*time.Second, 10*time.Millisecond)

	const n = 50
	dl := newDoneLog()
	publishN(t, p, dl, "lost", n)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := p.Close(ctx)
	require.ErrorContains(t, err, "50 messages not acked")
	require.ErrorIs(t, err, context.Canceled)

	calls := dl.snapshot()
	require.Len(t, calls, n)
	for id, errs := range calls {
		require.Len(t, errs, 1, "done calls for %s", id)
		require.ErrorIs(t, errs[0], ErrClosed, id)
	}
	s := p.Stats()
	require.EqualValues(t, n, s.FailedOnClose)
	require.Zero(t, s.InFlight)
	require.Zero(t, s.Acked)
	requireNoWorkers(t)
}

func TestPublisher_BlocksAtMaxInFlight(t *testing.T) {
	// No server at all: nothing is ever acked, so the limit is reached.
	nc, err := Connect(ConnConfig{URLs: fmt.Sprintf("nats://127.0.0.1:%d", testnet.FreePort(t, "tcp"))}, quiet())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	p := newPublisher(t, js, WithMaxInFlight(10))

	for i := range 10 {
		require.NoError(t, p.Publish(context.Background(), "pbx.a.log.info", msgIDFor("b", i), []byte("x"), nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = p.Publish(ctx, "pbx.a.log.info", "one-too-many", []byte("x"), nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, 10, p.Stats().InFlight)

	// A Publish blocked on a slot is released by Close.
	blocked := make(chan error, 1)
	go func() {
		blocked <- p.Publish(context.Background(), "pbx.a.log.info", "blocked", []byte("x"), nil)
	}()
	closeCtx, closeCancel := context.WithCancel(context.Background())
	closeCancel()
	require.ErrorContains(t, p.Close(closeCtx), "10 messages not acked")
	select {
	case err := <-blocked:
		require.ErrorIs(t, err, ErrClosed)
	case <-time.After(10 * time.Second):
		t.Fatal("Publish still blocked after Close")
	}
	requireNoWorkers(t)
}

func TestPublisher_RejectsMissingSubjectOrID(t *testing.T) {
	nc, err := Connect(ConnConfig{URLs: fmt.Sprintf("nats://127.0.0.1:%d", testnet.FreePort(t, "tcp"))}, quiet())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	p := newPublisher(t, js)

	cases := []struct{ name, subject, id string }{
		{"no subject", "", "id"},
		{"no msg id", "pbx.a.log.info", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := p.Publish(context.Background(), tc.subject, tc.id, []byte("x"), func(error) { t.Error("done called") })
			require.Error(t, err)
			require.False(t, errors.Is(err, ErrClosed))
			require.Zero(t, p.Stats().Published)
		})
	}
}

func TestBackoff_DoublesUpToCap(t *testing.T) {
	p := &Publisher{cfg: config{retryInitial: 100 * time.Millisecond, retryMax: time.Second}}
	cases := []struct {
		attempt int
		want    time.Duration
	}{
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{3, 400 * time.Millisecond},
		{4, 800 * time.Millisecond},
		{5, time.Second},
		{1000, time.Second},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, p.backoff(tc.attempt), "attempt %d", tc.attempt)
	}
}
