package publish

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ackGate is a TCP proxy to a NATS server whose server-to-client direction
// can be held, so that PubAcks are delayed past the ack timeout while the
// published messages still reach the stream.
type ackGate struct {
	l    net.Listener
	to   string
	gate sync.RWMutex // write-locked while server-to-client is held

	mu   sync.Mutex
	held bool
}

// hold stops delivery to the client until release.
func (g *ackGate) hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.held {
		g.gate.Lock()
		g.held = true
	}
}

// release resumes delivery; the cleanup calls it too, so that a failed
// test does not leave the pipes blocked.
func (g *ackGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held {
		g.gate.Unlock()
		g.held = false
	}
}

func newAckGate(t *testing.T, to string) *ackGate {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	g := &ackGate{l: l, to: to}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", to)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, s)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(s, c); s.Close() }()
			go func() { defer wg.Done(); g.pipeHeld(c, s); c.Close() }()
		}
	}()
	t.Cleanup(func() {
		g.release()
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return g
}

func (g *ackGate) pipeHeld(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			g.gate.RLock()
			_, werr := dst.Write(buf[:n])
			g.gate.RUnlock()
			if werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (g *ackGate) url() string { return "nats://" + g.l.Addr().String() }

func TestPublisher_LateAckRetriedAndCountedAsDuplicate(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	_, direct := connect(t, srv.ClientURL())
	ensureStream(t, direct)

	gate := newAckGate(t, srv.ClientURL()[len("nats://"):])
	nc, js := connect(t, gate.url())
	require.Eventually(t, nc.IsConnected, 10*time.Second, 10*time.Millisecond)
	p := newPublisher(t, js, WithAckTimeout(200*time.Millisecond),
		WithRetryBackoff(10*time.Millisecond, 50*time.Millisecond))

	const n = 20
	gate.hold()
	dl := newDoneLog()
	publishN(t, p, dl, "late", n)
	// The messages reach the stream while their acks are held...
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := direct.Stream(ctx, DefaultStreamName)
		if err != nil {
			return false
		}
		info, err := s.Info(ctx)
		return err == nil && info.State.Msgs == n
	}, 20*time.Second, 20*time.Millisecond)
	// ...and every first attempt times out and is sent again (all were
	// sent together, so three retries a message on average means each
	// has had at least one).
	require.Eventually(t, func() bool { return p.Stats().Retried >= 3*n }, 20*time.Second, 10*time.Millisecond)
	require.Zero(t, p.Stats().Acked)
	gate.release()

	waitIdle(t, p, 30*time.Second)
	closePublisher(t, p)
	s := p.Stats()
	require.EqualValues(t, n, s.Acked)
	require.EqualValues(t, n, s.Duplicates, "the acked attempt was a retry, so JetStream calls it a duplicate")
	requireDoneOnce(t, dl, "late", n)
	requireExactlyOnce(t, storedIDs(t, direct, DefaultStreamName), map[string]int{"late": n})
}
