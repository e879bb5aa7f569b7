package logstream

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const waitFor = 10 * time.Second

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// listen binds a server on an ephemeral loopback port.
func listen(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s, err := Listen("127.0.0.1:0", append([]Option{WithLogger(quietLogger())}, opts...)...)
	require.NoError(t, err)
	return s
}

// serve runs s until the test ends (or stop is called) and checks that
// Serve returned.
func serve(t *testing.T, s *Server) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	var stopped bool
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(waitFor):
			t.Fatal("Serve did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return stop
}

type testClient struct {
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, s *Server) *testClient {
	t.Helper()
	conn, err := net.Dial("tcp", s.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &testClient{conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}
}

// read returns the next n lines, checking that each ends in CR LF.
func (c *testClient) read(t *testing.T, n int) []string {
	t.Helper()
	require.NoError(t, c.conn.SetReadDeadline(time.Now().Add(waitFor)))
	out := make([]string, 0, n)
	for range n {
		l, err := c.r.ReadString('\n')
		require.NoError(t, err, "after %d lines", len(out))
		require.True(t, strings.HasSuffix(l, "\r\n"), "line %q ends in CR LF", l)
		out = append(out, strings.TrimSuffix(l, "\r\n"))
	}
	return out
}

func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", msg)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func clients(s *Server, n int) func() bool { return func() bool { return s.Stats().Clients == n } }

func lines(from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%06d 2025/06/15 12:00:00 Maintenance record %d", i, i))
	}
	return out
}

func sendAll(s *Server, ls []string) {
	for _, l := range ls {
		s.Send(l)
	}
}

func TestServer_LinesArriveInOrder(t *testing.T) {
	s := listen(t)
	serve(t, s)
	c := dial(t, s)
	eventually(t, clients(s, 1), "client connected")
	want := lines(0, 5000)
	sendAll(s, want)
	assert.Equal(t, want, c.read(t, len(want)))
	eventually(t, func() bool { return s.Stats().Written == 5000 }, "all written")
	st := s.Stats()
	assert.Equal(t, uint64(5000), st.Sent)
	assert.Zero(t, st.Backlog+st.Queued)
}

func TestServer_EveryClientGetsEveryLine(t *testing.T) {
	s := listen(t)
	serve(t, s)
	a, b := dial(t, s), dial(t, s)
	eventually(t, clients(s, 2), "both connected")
	want := lines(0, 100)
	sendAll(s, want)
	assert.Equal(t, want, a.read(t, 100))
	assert.Equal(t, want, b.read(t, 100))
}

func TestServer_BacklogFlushedToLateClient(t *testing.T) {
	s := listen(t)
	early := lines(0, 300)
	sendAll(s, early) // before Serve, even
	serve(t, s)
	assert.Equal(t, 300, s.Stats().Backlog)
	c := dial(t, s)
	assert.Equal(t, early, c.read(t, 300))
	eventually(t, clients(s, 1), "client registered")
	sendAll(s, lines(300, 310))
	assert.Equal(t, lines(300, 310), c.read(t, 10), "later lines follow the backlog")
	assert.Zero(t, s.Stats().Backlog)
}

func TestServer_FullBacklogDropsOldest(t *testing.T) {
	cases := []struct {
		backlog, sent int
	}{
		{backlog: 10, sent: 25},
		{backlog: 1, sent: 3},
		{backlog: 2000, sent: 5000}, // enough drops to compact the queue
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("backlog %d of %d", c.backlog, c.sent), func(t *testing.T) {
			s := listen(t, WithBacklog(c.backlog))
			serve(t, s)
			sendAll(s, lines(0, c.sent))
			st := s.Stats()
			assert.Equal(t, c.backlog, st.Backlog)
			assert.Equal(t, uint64(c.sent-c.backlog), st.BacklogDropped)
			assert.Equal(t, lines(c.sent-c.backlog, c.sent), dial(t, s).read(t, c.backlog))
		})
	}
}

func TestServer_NoBacklogKeepsNothing(t *testing.T) {
	s := listen(t, WithBacklog(0))
	serve(t, s)
	sendAll(s, lines(0, 5))
	assert.Equal(t, uint64(5), s.Stats().BacklogDropped)
	c := dial(t, s)
	eventually(t, clients(s, 1), "connected")
	s.Send("first after connect")
	assert.Equal(t, []string{"first after connect"}, c.read(t, 1))
}

func TestServer_ReconnectingClientGetsLinesSentWhileAway(t *testing.T) {
	s := listen(t)
	serve(t, s)
	c := dial(t, s)
	eventually(t, clients(s, 1), "connected")
	sendAll(s, lines(0, 5))
	assert.Equal(t, lines(0, 5), c.read(t, 5))

	c.conn.Close()
	eventually(t, clients(s, 0), "server saw the client leave")
	sendAll(s, lines(5, 12))

	again := dial(t, s)
	assert.Equal(t, lines(5, 12), again.read(t, 7))
	eventually(t, clients(s, 1), "reconnected")
	sendAll(s, lines(12, 13))
	assert.Equal(t, lines(12, 13), again.read(t, 1))
	assert.Equal(t, uint64(2), s.Stats().Accepted)
}

// A client that stops reading fills its queue; the lines it cannot take
// are dropped for it alone and counted, and Send never blocks.
func TestServer_SlowClientDropsItsOwnLinesOnly(t *testing.T) {
	s := listen(t, WithClientQueue(1000))
	serve(t, s)
	slow := dial(t, s) // never reads
	require.NoError(t, slow.conn.(*net.TCPConn).SetReadBuffer(4096))
	fast := dial(t, s)
	eventually(t, clients(s, 2), "both connected")

	// 30 MB in all: far more than the slow client's socket buffers (the
	// server's send buffer is at most 4 MB) and its queue can hold. The
	// fast client reads each chunk before the next is sent, so its own
	// queue never fills.
	pad := strings.Repeat("x", 1000)
	const chunks, per = 300, 100
	for c := range chunks {
		var want []string
		for i := range per {
			l := fmt.Sprintf("%03d-%03d %s", c, i, pad)
			want = append(want, l)
			s.Send(l)
		}
		got := fast.read(t, per)
		if !assert.True(t, slices.Equal(want, got), "chunk %d reached the fast client whole and in order", c) {
			return
		}
	}
	st := s.Stats()
	assert.NotZero(t, st.SlowDropped, "the slow client's overflow is counted")
	assert.LessOrEqual(t, st.SlowDropped, uint64(chunks*per), "only the slow client's lines were dropped")
	assert.Equal(t, 2, st.Clients, "the slow client stays connected")
}

// When the last client leaves with lines still queued for it, they go
// back to the backlog and the next client gets them, in order.
func TestServer_LastClientLeavingRequeuesItsQueue(t *testing.T) {
	s := listen(t)
	serve(t, s)
	stuck := dial(t, s)
	require.NoError(t, stuck.conn.(*net.TCPConn).SetReadBuffer(4096))
	eventually(t, clients(s, 1), "connected")
	pad := strings.Repeat("y", 1000)
	var sent []string
	for i := 0; i < 30000; i++ {
		sent = append(sent, fmt.Sprintf("%06d %s", i, pad))
		s.Send(sent[i])
	}
	eventually(t, func() bool { return s.Stats().Queued > 0 }, "lines queued behind the stuck client")

	stuck.conn.Close()
	eventually(t, clients(s, 0), "server saw the client leave")
	// The writer may still hold its last batch as the client goes; it
	// counts it written or discarded a moment later.
	eventually(t, func() bool {
		st := s.Stats()
		return st.Sent == st.Written+st.Discarded+uint64(st.Backlog)
	}, "every line accounted for")
	st := s.Stats()
	require.NotZero(t, st.Backlog, "the queue went back to the backlog")
	assert.Equal(t, st.Sent, st.Written+st.Discarded+uint64(st.Backlog), "every line accounted for: %+v", st)

	next := dial(t, s)
	assert.Equal(t, sent[len(sent)-st.Backlog:], next.read(t, st.Backlog), "the newest lines, in order")
}

func TestServer_ShutdownClosesClients(t *testing.T) {
	s := listen(t)
	stop := serve(t, s)
	a, b := dial(t, s), dial(t, s)
	eventually(t, clients(s, 2), "connected")
	s.Send("last words")
	assert.Equal(t, []string{"last words"}, a.read(t, 1))
	assert.Equal(t, []string{"last words"}, b.read(t, 1))

	stop()
	for _, c := range []*testClient{a, b} {
		require.NoError(t, c.conn.SetReadDeadline(time.Now().Add(waitFor)))
		_, err := io.ReadAll(c.r)
		assert.NoError(t, err, "the connection ends with EOF, not a timeout")
	}
	assert.Zero(t, s.Stats().Clients)
	before := s.Stats().Discarded
	s.Send("after shutdown")
	assert.Equal(t, before+1, s.Stats().Discarded, "a line sent after shutdown is counted")
	_, err := net.DialTimeout("tcp", s.Addr().String(), time.Second)
	assert.Error(t, err, "the listener is closed")
}

func TestServer_ServeTwiceFails(t *testing.T) {
	s := listen(t)
	serve(t, s)
	eventually(t, s.serving.Load, "serving")
	assert.Error(t, s.Serve(context.Background()))
}

func TestListen_FailsOnBadAddress(t *testing.T) {
	_, err := Listen("127.0.0.1:notaport")
	assert.ErrorContains(t, err, "logstream: listen")
}
