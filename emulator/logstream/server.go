package logstream

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Server streams lines to every TCP client connected to it.
type Server struct {
	ln      net.Listener
	cfg     config
	serving atomic.Bool
	wg      sync.WaitGroup // the accept loop and every client's goroutines

	mu      sync.Mutex // guards what follows, and is taken before any client's mu
	clients map[*client]struct{}
	backlog lineQueue
	closed  bool
	counts  counters
}

type counters struct {
	accepted, sent, written                uint64
	backlogDropped, slowDropped, discarded uint64
}

// client is one connection: Send queues lines, its writer goroutine
// writes them.
type client struct {
	conn net.Conn
	wake chan struct{} // capacity 1: there are lines to write
	done chan struct{} // closed when the client is removed

	mu    sync.Mutex
	queue lineQueue
}

// Stats is a snapshot of a server's counters.
type Stats struct {
	Clients        int    // connected now
	Accepted       uint64 // connections accepted since Listen
	Sent           uint64 // lines passed to Send
	Written        uint64 // lines written to clients (once per client that got them)
	Backlog        int    // lines waiting for a client to connect
	Queued         int    // lines waiting in connected clients' queues
	BacklogDropped uint64 // oldest lines dropped from a full backlog
	SlowDropped    uint64 // lines dropped for a client whose queue was full
	// Discarded counts lines lost for one client: in flight when its
	// connection failed, or queued for it when it left while other
	// clients stayed, or sent after the server stopped.
	Discarded uint64
}

// Listen binds a TCP socket on addr (host:port; port 0 picks a free one)
// at once, so that errors and the port are known before Serve. Lines may
// be sent from then on; they wait in the backlog until a client connects.
func Listen(addr string, opts ...Option) (*Server, error) {
	cfg := newConfig(opts)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("logstream: listen %s: %w", addr, err)
	}
	return &Server{ln: ln, cfg: cfg, clients: map[*client]struct{}{}}, nil
}

// Addr returns the address the socket is bound to.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve accepts clients until ctx ends, then closes the listener and
// every client connection, waits for their goroutines and returns nil.
// Lines still queued are not written. It returns an error if called twice.
func (s *Server) Serve(ctx context.Context) error {
	if !s.serving.CompareAndSwap(false, true) {
		return errors.New("logstream: server already served")
	}
	s.wg.Go(func() { s.accept(ctx) })
	<-ctx.Done()
	s.mu.Lock()
	s.closed = true
	clients := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	s.ln.Close()
	for _, c := range clients {
		s.remove(c)
	}
	s.wg.Wait()
	return nil
}

// Send writes line and CR LF to every connected client, or keeps it in
// the backlog while none is. It never blocks on a client. line should
// hold no CR or LF of its own; it is sent as it is.
func (s *Server) Send(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts.sent++
	switch {
	case s.closed:
		s.counts.discarded++
	case len(s.clients) == 0:
		if s.cfg.backlog == 0 {
			s.counts.backlogDropped++
			return
		}
		if s.backlog.len() >= s.cfg.backlog {
			s.backlog.dropOldest()
			s.counts.backlogDropped++
		}
		s.backlog.push(line)
	default:
		for c := range s.clients {
			if !c.enqueue(line, s.cfg.clientQueue) {
				s.counts.slowDropped++
			}
		}
	}
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{
		Clients:        len(s.clients),
		Accepted:       s.counts.accepted,
		Sent:           s.counts.sent,
		Written:        s.counts.written,
		Backlog:        s.backlog.len(),
		BacklogDropped: s.counts.backlogDropped,
		SlowDropped:    s.counts.slowDropped,
		Discarded:      s.counts.discarded,
	}
	for c := range s.clients {
		c.mu.Lock()
		st.Queued += c.queue.len()
		c.mu.Unlock()
	}
	return st
}

func (s *Server) accept(ctx context.Context) {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return
			}
			// Such as running out of file descriptors: wait, rather than
			// spin, for it to pass.
			s.cfg.logger.Warn("logstream: accept failed", "addr", s.ln.Addr().String(), "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		s.add(conn)
	}
}

// add registers a new client and hands it the backlog.
func (s *Server) add(conn net.Conn) {
	c := &client{conn: conn, wake: make(chan struct{}, 1), done: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		conn.Close()
		return
	}
	s.counts.accepted++
	c.queue.lines = s.backlog.takeAll()
	if c.queue.len() > 0 {
		c.wake <- struct{}{}
	}
	s.clients[c] = struct{}{}
	s.cfg.logger.Info("logstream: client connected", "addr", s.ln.Addr().String(), "client", conn.RemoteAddr().String(), "backlog", c.queue.len())
	s.wg.Go(func() { s.write(c) })
	s.wg.Go(func() { s.watch(c) })
}

// remove closes a client's connection once; the lines still queued for
// it return to the front of the backlog if no other client is left.
func (s *Server) remove(c *client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[c]; !ok {
		return
	}
	delete(s.clients, c)
	close(c.done)
	c.conn.Close()
	c.mu.Lock()
	rest := c.queue.takeAll()
	c.mu.Unlock()
	if len(s.clients) == 0 && !s.closed {
		s.counts.backlogDropped += uint64(s.backlog.prepend(rest, s.cfg.backlog))
	} else {
		s.counts.discarded += uint64(len(rest))
	}
	s.cfg.logger.Info("logstream: client disconnected", "addr", s.ln.Addr().String(), "client", c.conn.RemoteAddr().String(), "requeued", len(rest))
}

// watch reads (and ignores) what the client sends, to learn at once when
// it hangs up rather than at the next write.
func (s *Server) watch(c *client) {
	_, _ = io.Copy(io.Discard, c.conn)
	s.remove(c)
}

// write writes the client's queue in batches until it is removed.
func (s *Server) write(c *client) {
	bw := bufio.NewWriterSize(c.conn, 32<<10)
	for {
		select {
		case <-c.done:
			return
		case <-c.wake:
		}
		c.mu.Lock()
		lines := c.queue.takeAll()
		c.mu.Unlock()
		for _, l := range lines {
			bw.WriteString(l)
			bw.WriteString("\r\n")
		}
		if err := bw.Flush(); err != nil {
			s.mu.Lock()
			s.counts.discarded += uint64(len(lines))
			s.mu.Unlock()
			s.remove(c)
			return
		}
		s.mu.Lock()
		s.counts.written += uint64(len(lines))
		s.mu.Unlock()
	}
}

// enqueue adds a line to the client's queue unless it holds limit lines.
func (c *client) enqueue(line string, limit int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.queue.len() >= limit {
		return false
	}
	c.queue.push(line)
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}
