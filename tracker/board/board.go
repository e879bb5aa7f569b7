package board

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/time/rate"
)

// Bucket is the part of jetstream.KeyValue the board uses.
type Bucket interface {
	WatchAll(ctx context.Context, opts ...jetstream.WatchOpt) (jetstream.KeyWatcher, error)
}

// Board is the NOC web board. It is an http.Handler; Run keeps its fleet
// up to date. The handler works before Run has started (an empty fleet,
// /healthz answering 503) and after it has ended (the last fleet seen).
type Board struct {
	kv   Bucket
	cfg  config
	mux  *http.ServeMux
	warn *rate.Limiter // for per-value warnings

	mu       sync.Mutex
	fleet    *fleet
	clients  map[*client]struct{}
	ready    bool   // the current watch has delivered its initial values
	watchErr string // why the last watch ended, while re-watching
	stopped  bool   // Run has ended: no new event streams
	counters Stats
}

// Stats counts what the board did.
type Stats struct {
	Systems    int    // systems in the fleet now
	Clients    int    // event-stream clients connected now
	Ready      bool   // the watch has delivered the bucket's initial values
	Updates    uint64 // bucket entries applied (values, deletes, purges)
	Unreadable uint64 // values that were not a JSON object (shown as level unknown)
	Partial    uint64 // values with fields the board could not read (the rest shown)
	Streams    uint64 // event streams opened
	Dropped    uint64 // event-stream clients dropped for falling behind
	Rewatches  uint64 // times the watch was started again after it failed
}

// New returns a board over the licence-state bucket kv (in practice a
// jetstream.KeyValue). Nothing is watched before Run.
func New(kv Bucket, opts ...Option) *Board {
	cfg := newConfig(opts)
	b := &Board{
		kv:      kv,
		cfg:     cfg,
		fleet:   newFleet(cfg.historyLimit),
		clients: map[*client]struct{}{},
		warn:    rate.NewLimiter(1, 5),
	}
	b.mux = http.NewServeMux()
	b.mux.HandleFunc("GET /{$}", b.servePage)
	b.mux.HandleFunc("GET /events", b.serveEvents)
	b.mux.HandleFunc("GET /api/fleet", b.serveFleet)
	b.mux.HandleFunc("GET /healthz", b.serveHealth)
	b.mux.Handle("GET /assets/", assetHandler())
	return b
}

// ServeHTTP serves the page (/), /events, /api/fleet, /healthz and the
// page's embedded assets. Links are relative, so the board also works
// mounted under a prefix with http.StripPrefix.
func (b *Board) ServeHTTP(w http.ResponseWriter, r *http.Request) { b.mux.ServeHTTP(w, r) }

// Stats returns the board's counters.
func (b *Board) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.counters
	s.Systems, s.Clients, s.Ready = len(b.fleet.systems), len(b.clients), b.ready
	return s
}

// Systems returns the fleet as the board shows it, soonest System Lock
// first, and whether the watch has delivered the bucket's initial values
// (before that the fleet may be partial). The systems' exported fields do
// not change once returned.
func (b *Board) Systems() ([]*System, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fleet.sorted(), b.ready
}

// Run follows the bucket until ctx ends: the initial values first, then
// every change, which it sends to the event-stream clients. When the watch
// fails it starts it again with a growing pause (1s to 30s). It returns
// nil when ctx ends, after stopping the watch and closing every event
// stream, so that an http.Server shutting down is not held by them.
func (b *Board) Run(ctx context.Context) error {
	defer b.stop()
	pause := time.Second
	for {
		start := time.Now()
		err := b.watch(ctx)
		if ctx.Err() != nil {
			return nil
		}
		b.mu.Lock()
		b.ready, b.watchErr = false, err.Error()
		b.counters.Rewatches++
		b.mu.Unlock()
		if time.Since(start) > time.Minute {
			pause = time.Second // it worked for a while: retry soon
		}
		b.cfg.logger.Warn("board: watch of the licence bucket ended; watching again", "err", err, "pause", pause)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

// watch runs one watch of the whole bucket, with the history it keeps, so
// that timelines survive a restart as far back as the bucket remembers.
func (b *Board) watch(ctx context.Context) error {
	w, err := b.kv.WatchAll(ctx, jetstream.IncludeHistory())
	if err != nil {
		return fmt.Errorf("board: watch licence bucket: %w", err)
	}
	defer func() {
		if err := w.Stop(); err != nil && !errors.Is(err, context.Canceled) {
			b.cfg.logger.Debug("board: stop watch", "err", err)
		}
	}()
	b.mu.Lock()
	b.fleet.rewatch()
	b.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("board: watch of licence bucket closed")
			}
			if e == nil {
				b.initialDone()
				continue
			}
			b.apply(e)
		}
	}
}

// apply takes one bucket entry into the fleet and, once the initial values
// are in, tells the clients.
func (b *Board) apply(e jetstream.KeyValueEntry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.counters.Updates++
	key := e.Key()
	if op := e.Operation(); op == jetstream.KeyValueDelete || op == jetstream.KeyValuePurge {
		if b.fleet.remove(key) && b.ready {
			b.broadcastLocked(b.removeMessageLocked(key))
		}
		return
	}
	sys, changed, unreadable := b.fleet.put(key, e.Revision(), e.Created(), e.Value())
	if !changed {
		return
	}
	switch {
	case unreadable:
		b.counters.Unreadable++
		b.warnValue(key, e.Revision(), sys.Problems)
	case len(sys.Problems) > 0:
		b.counters.Partial++
		b.warnValue(key, e.Revision(), sys.Problems)
	}
	if b.ready {
		b.broadcastLocked(b.updateMessageLocked(sys))
	}
}

func (b *Board) warnValue(key string, rev uint64, problems []string) {
	if b.warn.Allow() {
		b.cfg.logger.Warn("board: licence bucket value not fully readable", "key", key, "revision", rev, "problems", problems)
	}
}

// initialDone marks the fleet complete: keys that vanished while the
// watch was down are forgotten and every client gets a fresh snapshot.
func (b *Board) initialDone() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ready {
		return
	}
	for _, k := range b.fleet.sweep() {
		b.cfg.logger.Info("board: system gone from the licence bucket", "key", k)
	}
	b.ready, b.watchErr = true, ""
	b.broadcastLocked(b.snapshotMessageLocked())
	b.cfg.logger.Info("board: following the licence bucket", "systems", len(b.fleet.systems))
}

// stop closes every event stream and refuses new ones.
func (b *Board) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopped, b.ready = true, false
	for c := range b.clients {
		b.disconnectLocked(c)
	}
}
