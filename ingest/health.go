package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// The service's life, as /readyz sees it.
const (
	stateStarting int32 = iota // New has bound the inputs; Run has not started them
	stateServing               // Run serves the inputs
	stateStopping              // shutdown: inputs stopped, what is in flight is being published
)

// serveHealthz answers 200 while the process runs.
func (s *Service) serveHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// serveReadyz answers 200 when the service can take messages and store
// them, and 503 with the reason otherwise.
func (s *Service) serveReadyz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.Ready(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready: %v\n", err)
		return
	}
	fmt.Fprintln(w, "ready")
}

// Ready returns nil when every configured input is bound and being served,
// the local store (the embedded NATS's or the spool's) can write, and NATS
// is connected (or, with a spool, the spool is accepting); otherwise it
// says why not.
func (s *Service) Ready() error {
	switch s.state.Load() {
	case stateStarting:
		return errors.New("inputs not served yet")
	case stateStopping:
		return errors.New("shutting down")
	}
	if s.embedded != nil {
		if err := s.embedded.StoreError(); err != nil {
			return fmt.Errorf("embedded NATS cannot store: %w", err)
		}
	}
	if s.spool != nil {
		if err := s.spool.StoreError(); err != nil {
			return fmt.Errorf("the spool cannot store: %w", err)
		}
	}
	if s.nc.IsConnected() {
		return nil
	}
	natsErr := fmt.Errorf("NATS not connected (%s)", s.nc.Status())
	if s.spool == nil {
		return natsErr
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	st, err := s.spool.Stats(ctx)
	if err != nil {
		return fmt.Errorf("%w, and the spool does not answer: %w", natsErr, err)
	}
	if st.Full() {
		return fmt.Errorf("%w, and the spool is full (%d of %d bytes)", natsErr, st.Bytes, st.MaxBytes)
	}
	return nil
}
