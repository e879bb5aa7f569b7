package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/pbxalarm/pbxalarm/tracker"
	"github.com/pbxalarm/pbxalarm/tracker/board"
)

// web is the NOC board's HTTP server. It listens from the start; until
// NATS answers and the bucket exists it serves 503.
type web struct {
	ln    net.Listener
	srv   *http.Server
	board func() *board.Board // nil until the service follows the bucket
}

func listenWeb(addr string, current func() *board.Board) (*web, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	w := &web{ln: ln, board: current}
	w.srv = &http.Server{Handler: w, ReadHeaderTimeout: 10 * time.Second}
	return w, nil
}

func (w *web) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if b := w.board(); b != nil {
		b.ServeHTTP(rw, r)
		return
	}
	rw.Header().Set("Retry-After", "1")
	http.Error(rw, "pbxalarm board: waiting for NATS", http.StatusServiceUnavailable)
}

// Addr is where the board listens.
func (w *web) Addr() net.Addr { return w.ln.Addr() }

// Serve serves the board until ctx ends.
func (w *web) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- w.srv.Serve(w.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	// The board's Run ends with the same ctx, closing its event streams,
	// so Shutdown does not wait on them.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := w.srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: shutdown: %w", err)
	}
	return nil
}

// followLicences opens the licence bucket once NATS answers and runs a
// board on it until ctx ends: the web board serves it, and the metrics
// read each system's licence state from it.
func (s *Service) followLicences(ctx context.Context) {
	delay := 100 * time.Millisecond
	for {
		attempt, cancel := context.WithTimeout(ctx, 5*time.Second)
		kv, err := s.js.CreateOrUpdateKeyValue(attempt, tracker.BucketConfig)
		cancel()
		if err == nil {
			b := board.New(kv, board.WithLogger(s.log))
			s.board.Store(b)
			if err := b.Run(ctx); err != nil {
				s.log.Error("board stopped", "err", err)
			}
			return
		}
		s.log.Warn("board: licence bucket not ready; retrying", "bucket", tracker.Bucket, "err", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, 10*time.Second)
	}
}
