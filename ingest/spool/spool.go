// Package spool keeps every accepted event on local disk until the remote
// JetStream has acknowledged it.
//
// The spool is not a file format of its own: it is a JetStream stream,
// PBX_SPOOL, in a NATS server embedded in the process with no network
// listener. Inputs publish into it (its PubAck is the moment a message is
// accepted); a Forwarder reads it in order and republishes each message to
// the remote stream with its original Nats-Msg-Id, and only once the remote
// PubAck has arrived is the message purged from the spool. After a crash
// the spool is read again from its first message; whatever had already
// reached the remote stream is dropped there by the duplicate window.
package spool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pbxalarm/pbxalarm/ingest/publish"
)

// StreamName is the spool's stream in its embedded server.
const StreamName = "PBX_SPOOL"

// Config configures a spool.
type Config struct {
	// Dir is where the spool's JetStream keeps its files. Required.
	Dir string
	// MaxBytes bounds the spool. When it is full a publish into it fails
	// (and the Publisher retries it), so inputs wait until the forwarder
	// has made room.
	MaxBytes int64
	// Subjects are the subjects the spool stores: the event subjects.
	Subjects []string
	// Duplicates is the spool's own duplicate window, so that a sender's
	// retransmission is spooled once; default 2 minutes.
	Duplicates time.Duration
	// StoreCheck is passed to the spool's server: how often its store is
	// checked and, after a write error, reopened (publish.EmbeddedConfig).
	StoreCheck time.Duration
}

// Spool is an open spool. Its methods are safe for concurrent use.
type Spool struct {
	cfg    Config
	log    *slog.Logger
	server *publish.Embedded
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
}

// Open starts the spool's embedded server on cfg.Dir, connects to it in
// process and creates or updates the spool stream. What an earlier run
// left in the spool is still there, to be forwarded first.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (_ *Spool, err error) {
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "spool")
	if cfg.Dir == "" {
		return nil, errors.New("spool: Dir is empty")
	}
	if cfg.MaxBytes <= 0 {
		return nil, fmt.Errorf("spool: MaxBytes %d must be positive", cfg.MaxBytes)
	}
	if len(cfg.Subjects) == 0 {
		return nil, errors.New("spool: no subjects")
	}
	if cfg.Duplicates <= 0 {
		cfg.Duplicates = 2 * time.Minute
	}
	s := &Spool{cfg: cfg, log: log}
	s.server, err = publish.StartEmbedded(ctx, publish.EmbeddedConfig{
		NoListener: true, StoreDir: cfg.Dir, ServerName: "pbxalarm-spool",
		// The server's own store limit sits a little above the stream's,
		// so the stream's bound is the one that bites, with a clear error.
		MaxStore:   cfg.MaxBytes + cfg.MaxBytes/8 + 1<<20,
		StoreCheck: cfg.StoreCheck,
	}, log)
	if err != nil {
		return nil, fmt.Errorf("spool: start store: %w", err)
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	s.nc, err = nats.Connect("", nats.InProcessServer(s.server), nats.Name("pbxalarm-spool"))
	if err != nil {
		return nil, fmt.Errorf("spool: connect to store: %w", err)
	}
	s.js, err = jetstream.New(s.nc)
	if err != nil {
		return nil, fmt.Errorf("spool: jetstream: %w", err)
	}
	s.stream, err = s.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "pbxalarm: accepted events not yet acknowledged by the remote stream",
		Subjects:    cfg.Subjects,
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew,
		MaxBytes:    cfg.MaxBytes,
		Duplicates:  cfg.Duplicates,
	})
	if err != nil {
		return nil, fmt.Errorf("spool: create stream %s: %w", StreamName, err)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		return nil, err
	}
	if st.Messages > 0 {
		log.Info("spool holds messages from an earlier run; forwarding them first",
			"messages", st.Messages, "bytes", st.Bytes)
	}
	return s, nil
}

// JetStream is where inputs publish: a message is accepted once this
// JetStream has acknowledged it.
func (s *Spool) JetStream() jetstream.JetStream { return s.js }

// Stats is the spool's content now.
type Stats struct {
	Messages uint64 // messages waiting to be forwarded
	Bytes    uint64 // their size in the store
	MaxBytes int64  // the bound
	FirstSeq uint64 // the oldest waiting message's spool sequence
	LastSeq  uint64 // the newest message's spool sequence
}

// fullMargin is the room below which the spool counts as full: a frame of
// the default maximum size (64 KiB) might no longer fit.
const fullMargin = 64 << 10

// Full reports whether the spool is at (or within 64 KiB of) its bound, so
// that the next message may be refused.
func (st Stats) Full() bool { return st.MaxBytes-int64(st.Bytes) < fullMargin }

// Stats asks the spool's stream for its state.
func (s *Spool) Stats(ctx context.Context) (Stats, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("spool: stream info: %w", err)
	}
	return Stats{
		Messages: info.State.Msgs, Bytes: info.State.Bytes, MaxBytes: s.cfg.MaxBytes,
		FirstSeq: info.State.FirstSeq, LastSeq: info.State.LastSeq,
	}, nil
}

// Close stops the spool's server; its files stay for the next run.
// StoreError says why the spool's store cannot write, or nil (see
// publish.Embedded.StoreError).
func (s *Spool) StoreError() error { return s.server.StoreError() }

// StoreReopens counts how often the spool's store was reopened after a
// write error.
func (s *Spool) StoreReopens() uint64 { return s.server.StoreReopens() }

func (s *Spool) Close() {
	if s.nc != nil {
		s.nc.Close()
	}
	if s.server != nil {
		s.server.Shutdown()
	}
}
