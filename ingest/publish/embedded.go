package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
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
}

// Embedded is a NATS server with JetStream running in this process.
type Embedded struct {
	srv *server.Server
	log *slog.Logger
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
	e := &Embedded{srv: srv, log: logger}
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

// Shutdown stops the server and waits until it has closed its clients and
// flushed JetStream's files.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
	e.log.Info("embedded NATS stopped")
}

func hostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}
