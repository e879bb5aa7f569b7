package syslog

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pbxalarm/pbxalarm/internal/testlog"
)

// waitTimeout bounds every wait on a condition; it is a deadline for a
// hung test, not a performance assertion.
const waitTimeout = 15 * time.Second

// recorder is a Handler that keeps a copy of every message (Raw copied:
// the listener reuses its buffers).
type recorder struct {
	mu   sync.Mutex
	msgs []Message
}

func (r *recorder) HandleSyslog(_ context.Context, m *Message) error {
	c := *m
	c.Raw = bytes.Clone(m.Raw)
	r.mu.Lock()
	r.msgs = append(r.msgs, c)
	r.mu.Unlock()
	return nil
}

func (r *recorder) all() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message(nil), r.msgs...)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// raws returns the raw bytes of every message, as strings.
func (r *recorder) raws() []string {
	var out []string
	for _, m := range r.all() {
		out = append(out, string(m.Raw))
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func newTestLogger() (*slog.Logger, *testlog.Buffer) {
	b := new(testlog.Buffer)
	return b.Logger(slog.LevelDebug), b
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// server is a listener under test, served until the test ends.
type server struct {
	addr  string
	rec   *recorder
	stats *Stats
	logs  *testlog.Buffer
	stop  func() // cancels Serve and waits for it to return
}

type serveFunc interface {
	Addr() net.Addr
	Serve(context.Context) error
}

func serve(t testing.TB, l serveFunc, rec *recorder, stats *Stats, logs *testlog.Buffer) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve: %v", err)
				}
			case <-time.After(waitTimeout):
				t.Errorf("Serve did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return &server{addr: l.Addr().String(), rec: rec, stats: stats, logs: logs, stop: stop}
}

func startUDP(t testing.TB, opts ...Option) *server {
	t.Helper()
	rec, stats := new(recorder), new(Stats)
	log, logs := newTestLogger()
	l, err := ListenUDP("127.0.0.1:0", rec, append([]Option{WithStats(stats), WithLogger(log), WithReadBuffer(1 << 20)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, l, rec, stats, logs)
}

func startTCP(t testing.TB, opts ...Option) *server {
	t.Helper()
	rec, stats := new(recorder), new(Stats)
	log, logs := newTestLogger()
	l, err := ListenTCP("127.0.0.1:0", rec, append([]Option{WithStats(stats), WithLogger(log)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, l, rec, stats, logs)
}

// sendUDP sends each payload as one datagram.
func sendUDP(t testing.TB, addr string, payloads ...[]byte) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range payloads {
		if _, err := c.Write(p); err != nil {
			t.Fatalf("send datagram of %d bytes: %v", len(p), err)
		}
	}
}

// sendTCP writes data on a new connection and closes it.
func sendTCP(t testing.TB, addr string, data ...[]byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, d := range data {
		if _, err := c.Write(d); err != nil {
			t.Fatalf("write %d bytes: %v", len(d), err)
		}
	}
}
