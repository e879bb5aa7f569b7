package logstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClient_LinesArriveInOrder(t *testing.T) {
	srv := listenTCP(t, "127.0.0.1:0")
	col := newCollector()
	c := newClient(t, []string{srv.addr()}, col)
	run(t, c)
	conn := srv.accept(t)

	var want []string
	var b strings.Builder
	for i := range 2000 {
		l := fmt.Sprintf("%05d 2025/06/15 12:00:00 maintenance record", i)
		want = append(want, l)
		b.WriteString(l)
		if i%3 == 0 {
			b.WriteString("\n") // some senders end lines with LF alone
		} else {
			b.WriteString("\r\n")
		}
	}
	_, err := io.WriteString(conn, b.String())
	require.NoError(t, err)
	gs := col.next(t, len(want))
	assert.Equal(t, want, texts(gs))
	for _, g := range gs[:3] {
		assert.Equal(t, srv.addr(), g.Addr)
		assert.Equal(t, srv.addr(), g.Peer)
		assert.Equal(t, g.Text, g.Raw)
	}
	st := c.Stats().Peer(srv.addr())
	assert.Equal(t, uint64(2000), st.Lines)
	assert.True(t, st.Connected)
	assert.Equal(t, uint64(1), st.Connects)
}

func TestClient_KeepsBytesAsReceived(t *testing.T) {
	cases := []struct {
		name, sent string
		want       []string
		count      func(PeerStats) uint64 // a counter that must be 1
	}{
		{"nul and invalid utf-8", "a\x00b\xff\xfe\xc3(\r\n", []string{"a\x00b\xff\xfe\xc3("}, nil},
		{"lone cr and tab", "x\ry\tz\n", []string{"x\ry\tz"}, nil},
		{"empty line skipped and counted", "\r\nafter\n", []string{"after"}, func(p PeerStats) uint64 { return p.Empty }},
		{"final line without terminator", "first\nlast", []string{"first", "last"}, func(p PeerStats) uint64 { return p.Unterminated }},
		{"oversize line skipped, connection kept", "short\r\n" + strings.Repeat("x", 100) + "\r\nafter\r\n", []string{"short", "after"}, func(p PeerStats) uint64 { return p.Oversize }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := listenTCP(t, "127.0.0.1:0")
			col := newCollector()
			c := newClient(t, []string{srv.addr()}, col, WithMaxLineSize(32))
			run(t, c)
			conn := srv.accept(t)
			_, err := io.WriteString(conn, tc.sent)
			require.NoError(t, err)
			conn.Close()
			gs := col.next(t, len(tc.want))
			assert.Equal(t, tc.want, texts(gs))
			for _, g := range gs {
				assert.Equal(t, g.Text, g.Raw)
			}
			st := c.Stats().Peer(srv.addr())
			if tc.count != nil {
				assert.Equal(t, uint64(1), tc.count(st), "counted: %+v", st)
			}
			assert.Equal(t, uint64(len(tc.want)), st.Lines)
		})
	}
}

func TestClient_ReconnectsAfterServerRestart(t *testing.T) {
	srv := listenTCP(t, "127.0.0.1:0")
	addr := srv.addr()
	col := newCollector()
	c := newClient(t, []string{addr}, col)
	run(t, c)

	conn := srv.accept(t)
	_, err := io.WriteString(conn, "before 1\r\nbefore 2\r\n")
	require.NoError(t, err)
	assert.Equal(t, []string{"before 1", "before 2"}, texts(col.next(t, 2)))

	// The server goes away: the client sees the end of the stream, then
	// fails to connect a few times, backing off.
	srv.ln.Close()
	conn.Close()
	eventually(t, func() bool { return c.Stats().Peer(addr).DialErrors >= 2 }, "failed reconnection attempts")
	assert.False(t, c.Stats().Peer(addr).Connected)

	again := listenTCP(t, addr) // same port
	conn = again.accept(t)
	_, err = io.WriteString(conn, "after 1\r\nafter 2\r\n")
	require.NoError(t, err)
	assert.Equal(t, []string{"after 1", "after 2"}, texts(col.next(t, 2)))
	st := c.Stats().Peer(addr)
	assert.Equal(t, uint64(2), st.Connects)
	assert.Equal(t, uint64(1), st.Reconnects)
	assert.True(t, st.Connected)
}

func TestClient_ReadsSeveralStreams(t *testing.T) {
	a, b := listenTCP(t, "127.0.0.1:0"), listenTCP(t, "127.0.0.1:0")
	col := newCollector()
	c := newClient(t, []string{a.addr(), b.addr()}, col)
	run(t, c)
	ca, cb := a.accept(t), b.accept(t)
	for i := range 50 {
		fmt.Fprintf(ca, "a %d\r\n", i)
		fmt.Fprintf(cb, "b %d\r\n", i)
	}
	byAddr := map[string][]string{}
	for _, g := range col.next(t, 100) {
		byAddr[g.Addr] = append(byAddr[g.Addr], g.Text)
	}
	for name, srv := range map[string]*tcpServer{"a": a, "b": b} {
		want := make([]string, 50)
		for i := range want {
			want[i] = fmt.Sprintf("%s %d", name, i)
		}
		assert.Equal(t, want, byAddr[srv.addr()], "stream %s in order", name)
		assert.Equal(t, uint64(50), c.Stats().Peer(srv.addr()).Lines)
	}
	snap := c.Stats().Snapshot()
	assert.Equal(t, uint64(100), snap["lines"])
	assert.Equal(t, uint64(2), snap["connected"])
	assert.Len(t, c.Stats().Peers(), 2)
}

func TestClient_HandlerErrorsAreCountedAndReadingGoesOn(t *testing.T) {
	srv := listenTCP(t, "127.0.0.1:0")
	col := newCollector()
	n := 0
	col.block = func(context.Context) error {
		n++
		if n == 2 {
			return errors.New("publisher unavailable")
		}
		return nil
	}
	c := newClient(t, []string{srv.addr()}, col)
	run(t, c)
	conn := srv.accept(t)
	_, err := io.WriteString(conn, "one\ntwo\nthree\n")
	require.NoError(t, err)
	assert.Equal(t, []string{"one", "three"}, texts(col.next(t, 2)))
	st := c.Stats().Peer(srv.addr())
	assert.Equal(t, uint64(1), st.HandlerErrors)
	assert.Equal(t, uint64(3), st.Lines)
	assert.Equal(t, uint64(1), st.Connects, "the connection stayed up")
}

// A handler that blocks holds back reading; once it lets go every line
// arrives, in order.
func TestClient_SlowHandlerLosesNothing(t *testing.T) {
	srv := listenTCP(t, "127.0.0.1:0")
	col := newCollector()
	release := make(chan struct{})
	col.block = func(ctx context.Context) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}
	c := newClient(t, []string{srv.addr()}, col)
	run(t, c)
	conn := srv.accept(t)

	const n = 20000
	pad := strings.Repeat("p", 200)
	written := make(chan error, 1)
	go func() {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "%05d %s\r\n", i, pad)
		}
		_, err := io.WriteString(conn, b.String())
		written <- err
	}()
	eventually(t, func() bool { return c.Stats().Peer(srv.addr()).Lines >= 1 }, "first line handed over")
	close(release)
	gs := col.next(t, n)
	for i, g := range gs {
		require.True(t, strings.HasPrefix(g.Text, fmt.Sprintf("%05d ", i)), "line %d out of order", i)
	}
	require.NoError(t, <-written)
}

func TestClient_RunReturnsOnCancel(t *testing.T) {
	t.Run("while connected and idle", func(t *testing.T) {
		srv := listenTCP(t, "127.0.0.1:0")
		c := newClient(t, []string{srv.addr()}, newCollector())
		stop := run(t, c)
		conn := srv.accept(t)
		eventually(t, func() bool { return c.Stats().Peer(srv.addr()).Connected }, "connected")
		stop()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(waitFor)))
		_, err := conn.Read(make([]byte, 1))
		assert.ErrorIs(t, err, io.EOF, "the client closed its connection")
		assert.False(t, c.Stats().Peer(srv.addr()).Connected)
	})
	t.Run("while the handler waits", func(t *testing.T) {
		srv := listenTCP(t, "127.0.0.1:0")
		col := newCollector()
		col.block = func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
		c := newClient(t, []string{srv.addr()}, col)
		stop := run(t, c)
		conn := srv.accept(t)
		_, err := io.WriteString(conn, "stuck\n")
		require.NoError(t, err)
		eventually(t, func() bool { return c.Stats().Peer(srv.addr()).Lines == 1 }, "line handed over")
		stop()
		assert.Zero(t, c.Stats().Peer(srv.addr()).HandlerErrors, "an error after cancel is not the handler's fault")
	})
	t.Run("while backing off", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now
		c := newClient(t, []string{addr}, newCollector(), WithBackoff(time.Hour, time.Hour))
		stop := run(t, c)
		eventually(t, func() bool { return c.Stats().Peer(addr).DialErrors == 1 }, "first dial failed")
		stop()
	})
	t.Run("while dialing", func(t *testing.T) {
		addr := unansweredAddr(t)
		c := newClient(t, []string{addr}, newCollector(), WithDialTimeout(time.Hour), WithBackoff(time.Hour, time.Hour))
		stop := run(t, c)
		eventually(t, dialing(t, addr), "a connect under way")
		stop()
		st := c.Stats().Peer(addr)
		assert.Zero(t, st.Connects+st.DialErrors, "the dial was cut short by the cancel, not failed")
	})
}

func TestNew_RejectsBadArguments(t *testing.T) {
	h := newCollector()
	cases := map[string]struct {
		addrs []string
		h     Handler
	}{
		"no address":      {nil, h},
		"nil handler":     {[]string{"127.0.0.1:1751"}, nil},
		"no port":         {[]string{"127.0.0.1"}, h},
		"no host":         {[]string{":1751"}, h},
		"port zero":       {[]string{"pbx:0"}, h},
		"port too large":  {[]string{"pbx:65536"}, h},
		"port not number": {[]string{"pbx:maint"}, h},
		"duplicate":       {[]string{"pbx:1751", "pbx:1751"}, h},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := New(tc.addrs, tc.h)
			assert.ErrorContains(t, err, "logstream:")
		})
	}
	c, err := New([]string{"pbx-a:1751", "[::1]:1751"}, h)
	require.NoError(t, err)
	assert.Len(t, c.Stats().Peers(), 2, "every address is listed before Run")
}

func TestClient_RunTwiceFails(t *testing.T) {
	srv := listenTCP(t, "127.0.0.1:0")
	c := newClient(t, []string{srv.addr()}, newCollector())
	run(t, c)
	eventually(t, c.running.Load, "running")
	assert.Error(t, c.Run(context.Background()))
}

func TestBackoff_DoublesWithJitterUpToMax(t *testing.T) {
	b := &backoff{min: 100 * time.Millisecond, max: time.Second}
	for round := range 2 {
		ceil := 100 * time.Millisecond
		for i := range 8 {
			d := b.next()
			assert.GreaterOrEqual(t, d, ceil/2, "round %d wait %d", round, i)
			assert.LessOrEqual(t, d, ceil, "round %d wait %d", round, i)
			ceil = min(ceil*2, time.Second)
		}
		b.reset()
	}
}
