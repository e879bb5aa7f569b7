package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedConfig configures the embedded NATS server.
type EmbeddedConfig struct {
	// Host is the address the server listens on; default 127.0.0.1, so
	// that exposing it to the network is a deliberate choice.
	Host string
	// Port is the client port: 0 means 4222, -1 a random free port.
	Port int
	// StoreDir is where JetStream keeps its files. Required: a server
	// that silently stored events under the system temp dir would lose
	// them on reboot.
	StoreDir string
	// ServerName names the server in logs and monitoring; default
	// "pbxalarm".
	ServerName string
	// MaxStore and MaxMemory limit JetStream's file and memory storage in
	// bytes; 0 leaves the server's defaults.
	MaxStore  int64
	MaxMemory int64
	// ReadyTimeout bounds the wait for the server to accept connections;
	// default 30s.
	ReadyTimeout time.Duration
	// NoListener runs the server without any network listener: only this
	// process reaches it, through InProcess. Host and Port are ignored.
	NoListener bool
	// StoreCheck is how often the server looks for a stream that can no
	// longer write its files and reopens the store (see StoreError);
	// default DefaultStoreCheck, negative never.
	StoreCheck time.Duration
}

// Store checks: the pause between checks, and the longest pause between
// reopening attempts while the store keeps failing (the pause doubles
// from StoreCheck up to it, since each reopen reads the store again).
const (
	DefaultStoreCheck = 5 * time.Second
	maxReopenWait     = time.Minute
)

// Embedded is a NATS server with JetStream running in this process.
type Embedded struct {
	srv  *server.Server
	opts *server.Options
	log  *slog.Logger

	stop, done chan struct{} // the store watcher's
	stopOnce   sync.Once
	reopens    atomic.Uint64
}

// StartEmbedded starts a NATS server with JetStream file storage in
// cfg.StoreDir and waits until it accepts connections, ctx ends or
// cfg.ReadyTimeout passes. A nil logger means slog.Default().
func StartEmbedded(ctx context.Context, cfg EmbeddedConfig, logger *slog.Logger) (*Embedded, error) {
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.StoreDir == "" {
		return nil, errors.New("publish: embedded NATS: StoreDir is empty")
	}
	if cfg.Port < -1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("publish: embedded NATS: Port %d is not -1 (random), 0 (4222) or a port number", cfg.Port)
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.ServerName == "" {
		cfg.ServerName = "pbxalarm"
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = 30 * time.Second
	}
	opts := &server.Options{
		ServerName:         cfg.ServerName,
		Host:               cfg.Host,
		Port:               cfg.Port,
		JetStream:          true,
		StoreDir:           cfg.StoreDir,
		JetStreamMaxStore:  cfg.MaxStore,
		JetStreamMaxMemory: cfg.MaxMemory,
		// The process owns its signals; the server must not exit on them.
		NoSigs:     true,
		DontListen: cfg.NoListener,
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("publish: embedded NATS on %s: %w", hostPort(cfg.Host, cfg.Port), err)
	}
	sl := &serverLog{log: logger.With("component", "nats-server")}
	srv.SetLogger(sl, logger.Enabled(ctx, slog.LevelDebug), false)
	srv.Start()

	if err := waitReady(ctx, srv, sl, cfg.ReadyTimeout); err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("publish: embedded NATS on %s: %w", hostPort(cfg.Host, cfg.Port), err)
	}
	e := &Embedded{srv: srv, opts: opts, log: logger, stop: make(chan struct{}), done: make(chan struct{})}
	if cfg.StoreCheck == 0 {
		cfg.StoreCheck = DefaultStoreCheck
	}
	if cfg.StoreCheck > 0 {
		go e.keepWritable(cfg.StoreCheck)
	} else {
		close(e.done)
	}
	logger.Info("embedded NATS ready", "url", e.ClientURL(), "store_dir", cfg.StoreDir)
	return e, nil
}

// waitReady waits in short steps so that ctx is honoured, and stops early
// when the server reported a fatal error (a port in use, an unusable store).
func waitReady(ctx context.Context, srv *server.Server, sl *serverLog, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		if msg := sl.fatal(); msg != "" {
			return errors.New(msg)
		}
		if srv.ReadyForConnections(100 * time.Millisecond) {
			if !srv.JetStreamEnabled() {
				return errors.New("JetStream is not enabled")
			}
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("wait until ready: %w", err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready for connections after %s", limit)
		}
	}
}

// ClientURL returns the URL clients connect to, with the port actually
// bound (useful with Port -1) and a loopback host where the server listens
// on every address.
func (e *Embedded) ClientURL() string {
	addr, ok := e.srv.Addr().(*net.TCPAddr)
	if !ok { // not listening (any more): fall back to the configured address
		return e.srv.ClientURL()
	}
	ip := addr.IP
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return "nats://" + net.JoinHostPort(ip.String(), strconv.Itoa(addr.Port))
}

// InProcessConn returns a new client connection to the server through an
// in-memory pipe, so that a client in this process needs no socket; it
// makes *Embedded a nats.InProcessConnProvider (see ConnConfig.InProcess).
func (e *Embedded) InProcessConn() (net.Conn, error) {
	c, err := e.srv.InProcessConn()
	if err != nil {
		return nil, fmt.Errorf("publish: embedded NATS: in-process connection: %w", err)
	}
	return c, nil
}

// ErrStoreFull is wrapped by StoreError when JetStream's files have
// reached the store's size limit.
var ErrStoreFull = errors.New("store full")

// storeHeadroom is how close to its limit the store counts as full: more
// than an event takes.
const storeHeadroom = 64 << 10

// StoreError returns why JetStream cannot store new messages, or nil:
//   - a stream whose files hit a write error (a full disk, an I/O error)
//     refuses every message from then on, even once the disk has room,
//     until its files are opened anew;
//   - the store has reached its limit (ErrStoreFull). Left to the server,
//     the limit is three quarters of the disk space free, plus what the
//     store holds, when JetStream opened the store.
//
// The store watcher (see StoreCheck) reopens the store in both cases once
// the disk has room, the second only when the limit is left to the
// server, so that room made on the disk is used.
func (e *Embedded) StoreError() error {
	if !e.srv.JetStreamEnabled() {
		return errors.New("JetStream is not running")
	}
	h := e.srv.Healthz(&server.HealthzOptions{Details: true})
	for _, he := range h.Errors {
		// The only public trace of the error nats-server keeps per stream.
		if he.Type == server.HealthzErrorStream && strings.Contains(he.Error, "write error") {
			return fmt.Errorf("stream %s cannot write: %s", he.Stream, he.Error)
		}
	}
	info, err := e.srv.Jsz(&server.JSzOptions{})
	if err != nil {
		return fmt.Errorf("JetStream usage: %w", err)
	}
	if limit := info.Config.MaxStore; limit > 0 && int64(info.Store)+storeHeadroom > limit {
		return fmt.Errorf("%w: %d of its %d bytes used", ErrStoreFull, info.Store, limit)
	}
	return nil
}

// StoreReopens counts how often the store watcher reopened the store.
func (e *Embedded) StoreReopens() uint64 { return e.reopens.Load() }

// keepWritable checks the store every interval and, while it cannot
// store, reopens it once the disk has room again. Reopening disconnects
// every client, so it is not done in vain: after a full disk it waits for
// more room than there was when the error was first seen or when the last
// reopen did not help; while reopening keeps failing for another reason it
// waits twice as long after each attempt.
func (e *Embedded) keepWritable(every time.Duration) {
	defer close(e.done)
	wait := every
	t := time.NewTimer(every)
	defer t.Stop()
	roomAt := int64(-1) // free space that was not enough; -1: none yet
	waiting := false    // for room: said once, not at every check
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
		}
		err := e.StoreError()
		if err == nil {
			roomAt, waiting, wait = -1, false, every
			t.Reset(every)
			continue
		}
		if errors.Is(err, ErrStoreFull) && e.opts.JetStreamMaxStore > 0 {
			// A limit the operator set does not change by reopening;
			// /readyz and the metrics say so.
			t.Reset(every)
			continue
		}
		free, known := diskFree(e.opts.StoreDir)
		if known && !e.roomToReopen(err, free, roomAt) {
			if roomAt < 0 {
				roomAt = free
			}
			if !waiting {
				e.log.Error("JetStream cannot store; waiting for room on the disk", "err", err, "free_bytes", free)
				waiting = true
			}
			t.Reset(every)
			continue
		}
		waiting = false
		e.log.Error("JetStream cannot store; reopening its files", "err", err, "free_bytes", free, "next_check", wait)
		if err := e.reopen(); err != nil {
			e.log.Error("reopening JetStream failed", "err", err)
		}
		roomAt = free // should it fail again, wait for more than this
		t.Reset(wait)
		wait = min(2*wait, max(every, maxReopenWait))
	}
}

// minRoom is how much more free space a reopen after a write error needs.
const minRoom = 1 << 20

// roomToReopen says whether free bytes on the disk are enough for
// reopening to help with err. At a limit the server chose, the limit it
// would choose now (three quarters of the free space plus what the store
// holds) must be higher. After a full disk (ENOSPC), free must exceed
// roomAt, the free space that was not enough (none: -1), by minRoom. For
// any other error space is not the question: reopening may help.
func (e *Embedded) roomToReopen(err error, free, roomAt int64) bool {
	switch {
	case errors.Is(err, ErrStoreFull):
		info, jerr := e.srv.Jsz(&server.JSzOptions{})
		if jerr != nil {
			return true
		}
		return (free+int64(info.Store))/4*3 > info.Config.MaxStore+storeHeadroom
	case strings.Contains(err.Error(), syscall.ENOSPC.Error()):
		// The server keeps the error as text only.
		return free > max(roomAt, 0)+minRoom
	default:
		return true
	}
}

// reopen restarts JetStream in the running server on the same store, as
// the server itself starts it: streams are recovered from their files,
// which clears a write error, and a store limit left to the server is
// worked out again from the space now free. Publishes in between fail and
// are retried by their Publisher.
func (e *Embedded) reopen() error {
	if err := e.srv.ShutdownJetStream(); err != nil {
		return fmt.Errorf("publish: embedded NATS: stop JetStream: %w", err)
	}
	o := e.opts
	err := e.srv.EnableJetStream(&server.JetStreamConfig{
		StoreDir:     o.StoreDir,
		MaxStore:     o.JetStreamMaxStore,
		MaxMemory:    o.JetStreamMaxMemory,
		SyncInterval: o.SyncInterval,
		SyncAlways:   o.SyncAlways,
		Strict:       !o.NoJetStreamStrict,
		CompressOK:   true,
	})
	if err != nil {
		return fmt.Errorf("publish: embedded NATS: start JetStream: %w", err)
	}
	e.reconnectClients()
	e.reopens.Add(1)
	e.log.Warn("JetStream reopened", "reopens", e.reopens.Load())
	return nil
}

// reconnectClients closes every client connection, so that each client
// reconnects and sets up again what JetStream lost when it stopped (the
// pull requests of a consumer, a watcher's subscription), as it does after
// a server restart; a client that only waited would wait for ever.
func (e *Embedded) reconnectClients() {
	cz, err := e.srv.Connz(&server.ConnzOptions{Limit: e.srv.NumClients() + 64})
	if err != nil {
		e.log.Warn("listing clients to reconnect them", "err", err)
		return
	}
	for _, c := range cz.Conns {
		if err := e.srv.DisconnectClientByID(c.Cid); err != nil {
			e.log.Debug("disconnecting a client", "cid", c.Cid, "err", err)
		}
	}
}

// Shutdown stops the server and waits until it has closed its clients and
// flushed JetStream's files.
func (e *Embedded) Shutdown() {
	e.stopOnce.Do(func() { close(e.stop) })
	<-e.done
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
	e.log.Info("embedded NATS stopped")
}

func hostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}
