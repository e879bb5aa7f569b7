package logstream

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const waitFor = 10 * time.Second

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// got is one delivered message, with its bytes copied.
type got struct {
	Addr string
	Peer string
	Raw  string
	Text string
}

// collector is a Handler that keeps what it receives.
type collector struct {
	ch chan got
	// block, if set, is called before each message is kept: a handler
	// that takes its time.
	block func(ctx context.Context) error
}

func newCollector() *collector { return &collector{ch: make(chan got, 1<<16)} }

func (c *collector) HandleLogstream(ctx context.Context, m *Message) error {
	if c.block != nil {
		if err := c.block(ctx); err != nil {
			return err
		}
	}
	c.ch <- got{Addr: m.Addr, Peer: m.Peer.String(), Raw: string(m.Raw), Text: m.Text}
	return nil
}

// next returns the next n messages, failing after waitFor.
func (c *collector) next(t testing.TB, n int) []got {
	t.Helper()
	out := make([]got, 0, n)
	deadline := time.After(waitFor)
	for len(out) < n {
		select {
		case g := <-c.ch:
			out = append(out, g)
		case <-deadline:
			t.Fatalf("got %d of %d messages", len(out), n)
		}
	}
	return out
}

func texts(gs []got) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Text
	}
	return out
}

// run starts c.Run until the test ends or stop is called; stop checks that
// Run returned.
func run(t testing.TB, c *Client) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-time.After(waitFor):
				t.Fatal("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func newClient(t testing.TB, addrs []string, h Handler, opts ...Option) *Client {
	t.Helper()
	c, err := New(addrs, h, append([]Option{WithLogger(quietLogger()), WithBackoff(5*time.Millisecond, 50*time.Millisecond)}, opts...)...)
	require.NoError(t, err)
	return c
}

// tcpServer is a plain TCP server that hands each connection to serve.
type tcpServer struct {
	ln    net.Listener
	conns chan net.Conn
}

func listenTCP(t testing.TB, addr string) *tcpServer {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	s := &tcpServer{ln: ln, conns: make(chan net.Conn, 16)}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns <- conn
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *tcpServer) addr() string { return s.ln.Addr().String() }

// accept returns the next connection, failing after waitFor.
func (s *tcpServer) accept(t testing.TB) net.Conn {
	t.Helper()
	select {
	case c := <-s.conns:
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(waitFor):
		t.Fatal("no connection")
		return nil
	}
}

func eventually(t testing.TB, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", msg)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
