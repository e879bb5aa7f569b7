package board

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// client is one event-stream connection. Messages wait in ch; when ch is
// full the client is dropped, so a slow client never holds up the watch.
type client struct {
	ch   chan []byte
	gone chan struct{} // closed when the client is dropped or the board stops
}

// The messages. Each carries the Clock; data is one line of JSON.
type (
	snapshotMessage struct {
		Clock
		Systems []*System `json:"systems"`
	}
	updateMessage struct {
		Clock
		System *System  `json:"system"`
		Order  []string `json:"order"`
	}
	removeMessage struct {
		Clock
		Key   string   `json:"key"`
		Order []string `json:"order"`
	}
)

func (b *Board) snapshotMessageLocked() []byte {
	return frame("snapshot", snapshotMessage{Clock: b.fleet.clock(b.cfg.now()), Systems: b.fleet.sorted()})
}

func (b *Board) updateMessageLocked(s *System) []byte {
	return frame("update", updateMessage{Clock: b.fleet.clock(b.cfg.now()), System: s, Order: keys(b.fleet.sorted())})
}

func (b *Board) removeMessageLocked(key string) []byte {
	return frame("remove", removeMessage{Clock: b.fleet.clock(b.cfg.now()), Key: key, Order: keys(b.fleet.sorted())})
}

func (b *Board) heartbeatMessage() []byte {
	b.mu.Lock()
	c := b.fleet.clock(b.cfg.now())
	b.mu.Unlock()
	return frame("heartbeat", c)
}

// frame writes one server-sent event. encoding/json writes no newline, so
// the data fits on one data: line.
func frame(event string, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil { // only plain types are marshalled: a bug
		panic(fmt.Sprintf("board: marshal %s message: %v", event, err))
	}
	return fmt.Appendf(nil, "event: %s\ndata: %s\n\n", event, data)
}

// broadcastLocked queues msg for every client without waiting: a client
// whose queue is full is dropped.
func (b *Board) broadcastLocked(msg []byte) {
	for c := range b.clients {
		select {
		case c.ch <- msg:
		default:
			b.counters.Dropped++
			b.cfg.logger.Warn("board: event-stream client fell behind; dropped (its browser reconnects)", "buffer", cap(c.ch))
			b.disconnectLocked(c)
		}
	}
}

func (b *Board) disconnectLocked(c *client) {
	if _, ok := b.clients[c]; ok {
		delete(b.clients, c)
		close(c.gone)
	}
}

// subscribe registers a client with the snapshot already queued, under
// the lock, so that it misses no change and sees none twice.
func (b *Board) subscribe() (*client, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return nil, false
	}
	c := &client{ch: make(chan []byte, b.cfg.clientBuffer+1), gone: make(chan struct{})}
	c.ch <- b.snapshotMessageLocked()
	b.clients[c] = struct{}{}
	b.counters.Streams++
	return c, true
}

func (b *Board) unsubscribe(c *client) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.disconnectLocked(c)
}

// serveEvents streams the fleet: a snapshot, then a message per change and
// a heartbeat when idle. It returns when the client goes, is dropped, or
// the board stops.
func (b *Board) serveEvents(w http.ResponseWriter, r *http.Request) {
	c, ok := b.subscribe()
	if !ok {
		http.Error(w, "board stopped", http.StatusServiceUnavailable)
		return
	}
	defer b.unsubscribe(c)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // a buffering proxy would hold the stream
	// A stream that ends (dropped, board stopped) ends its connection too,
	// rather than leaving an idle keep-alive connection behind.
	h.Set("Connection", "close")
	w.WriteHeader(http.StatusOK)
	// retry: how soon the browser reconnects after a drop.
	if err := b.send(rc, w, []byte("retry: 2000\n\n")); err != nil {
		return
	}
	tick := time.NewTicker(b.cfg.heartbeat)
	defer tick.Stop()
	for {
		var msg []byte
		select {
		case <-r.Context().Done():
			return
		case <-c.gone:
			return
		case msg = <-c.ch:
		case <-tick.C:
			msg = b.heartbeatMessage()
		}
		if err := b.send(rc, w, msg); err != nil {
			b.cfg.logger.Debug("board: event stream ended", "remote", r.RemoteAddr, "err", err)
			return
		}
	}
}

// send writes and flushes one message within the write timeout, so that a
// client that stopped reading frees its handler.
func (b *Board) send(rc *http.ResponseController, w http.ResponseWriter, msg []byte) error {
	// A wrapping ResponseWriter may not support deadlines; the stream
	// still works, only a stuck write is then bounded by the server alone.
	if err := rc.SetWriteDeadline(time.Now().Add(b.cfg.writeTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("board: set write deadline: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("board: write event: %w", err)
	}
	if err := rc.Flush(); err != nil {
		return fmt.Errorf("board: flush event: %w", err)
	}
	return nil
}
