package publish

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// ConnConfig configures the connection to NATS.
type ConnConfig struct {
	// URLs is a comma-separated list of server URLs; default
	// nats://127.0.0.1:4222.
	URLs string
	// Name is the client name the server shows; default "pbxalarm".
	Name string
	// CredsFile is a JWT user credentials file; NKeyFile an NKey seed
	// file. At most one of them is set.
	CredsFile string
	NKeyFile  string
	// User and Password, or Token, authenticate when neither file is used.
	User     string
	Password string
	Token    string
	// TLSCA is a PEM file of CAs to verify the server with; TLSCert and
	// TLSKey a client certificate and its key, set together.
	TLSCA, TLSCert, TLSKey string
	// ReconnectWait is the pause between attempts to reach a server;
	// default 2s.
	ReconnectWait time.Duration
	// ReconnectBufSize bounds the bytes buffered while disconnected; 0
	// keeps the client's default (8 MiB). Publishes beyond it fail and the
	// Publisher retries them once connected.
	ReconnectBufSize int
	// InProcess, when set, is a server in this process (an *Embedded) that
	// the client reaches through an in-memory pipe instead of dialling
	// URLs: no socket system calls on either side. URLs is then only the
	// name the connection reports.
	InProcess nats.InProcessConnProvider
}

// Connect returns a connection to NATS at once, even when no server is up
// yet: the client keeps trying in the background (for ever) and buffers
// what is published meanwhile. Connects, disconnects, reconnects and
// asynchronous errors are logged. It fails only on a bad configuration. A
// nil logger means slog.Default().
func Connect(cfg ConnConfig, logger *slog.Logger) (*nats.Conn, error) {
	if logger == nil {
		logger = slog.Default()
	}
	log := logger.With("component", "nats")
	opts, err := cfg.options(log)
	if err != nil {
		return nil, err
	}
	urls := cfg.URLs
	if urls == "" {
		urls = "nats://127.0.0.1:4222"
	}
	nc, err := nats.Connect(urls, opts...)
	if err != nil {
		return nil, fmt.Errorf("publish: connect to %s: %w", redactURLs(urls), err)
	}
	if !nc.IsConnected() {
		log.Warn("NATS not reachable yet, retrying in the background", "urls", redactURLs(urls))
	}
	return nc, nil
}

func (cfg ConnConfig) options(log *slog.Logger) ([]nats.Option, error) {
	if cfg.CredsFile != "" && cfg.NKeyFile != "" {
		return nil, errors.New("publish: connect: set CredsFile or NKeyFile, not both")
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("publish: connect: TLSCert and TLSKey must be set together")
	}
	if cfg.ReconnectBufSize < 0 {
		return nil, fmt.Errorf("publish: connect: ReconnectBufSize %d is negative", cfg.ReconnectBufSize)
	}
	name := cfg.Name
	if name == "" {
		name = "pbxalarm"
	}
	wait := cfg.ReconnectWait
	if wait <= 0 {
		wait = 2 * time.Second
	}
	opts := []nats.Option{
		nats.Name(name),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(wait),
		nats.ConnectHandler(func(nc *nats.Conn) {
			log.Info("NATS connected", "url", nc.ConnectedUrlRedacted(), "server", nc.ConnectedServerName())
		}),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			log.Warn("NATS disconnected", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("NATS reconnected", "url", nc.ConnectedUrlRedacted(), "server", nc.ConnectedServerName())
		}),
		nats.ClosedHandler(func(nc *nats.Conn) {
			log.Info("NATS connection closed")
		}),
		nats.LameDuckModeHandler(func(nc *nats.Conn) {
			log.Warn("NATS server entering lame duck mode", "server", nc.ConnectedServerName())
		}),
		nats.ErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
			if sub != nil {
				log.Error("NATS async error", "subject", sub.Subject, "err", err)
				return
			}
			log.Error("NATS async error", "err", err)
		}),
	}
	if cfg.ReconnectBufSize > 0 {
		opts = append(opts, nats.ReconnectBufSize(cfg.ReconnectBufSize))
	}
	if cfg.InProcess != nil {
		opts = append(opts, nats.InProcessServer(cfg.InProcess))
	}
	switch {
	case cfg.CredsFile != "":
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	case cfg.NKeyFile != "":
		o, err := nats.NkeyOptionFromSeed(cfg.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("publish: connect: NKeyFile %s: %w", cfg.NKeyFile, err)
		}
		opts = append(opts, o)
	case cfg.Token != "":
		opts = append(opts, nats.Token(cfg.Token))
	case cfg.User != "":
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	}
	if cfg.TLSCA != "" {
		opts = append(opts, nats.RootCAs(cfg.TLSCA))
	}
	if cfg.TLSCert != "" {
		opts = append(opts, nats.ClientCert(cfg.TLSCert, cfg.TLSKey))
	}
	return opts, nil
}

// Check reads the files cfg names (an NKey seed or credentials, a CA
// bundle, a client certificate and key) as Connect would, without
// connecting, so that a configuration can be checked before it is used.
func (cfg ConnConfig) Check() error {
	opts, err := cfg.options(slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	o := nats.GetDefaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
	}
	if cfg.CredsFile != "" {
		// nats.go reads credentials only when it connects.
		b, err := os.ReadFile(cfg.CredsFile)
		if err != nil {
			return fmt.Errorf("publish: credentials: %w", err)
		}
		token, err := nkeys.ParseDecoratedJWT(b)
		if err == nil {
			// ParseDecoratedJWT hands back undecorated text as it is.
			_, err = jwt.DecodeUserClaims(token)
		}
		if err != nil {
			return fmt.Errorf("publish: credentials %s: user JWT: %w", cfg.CredsFile, err)
		}
		kp, err := nkeys.ParseDecoratedNKey(b)
		if err != nil {
			return fmt.Errorf("publish: credentials %s: seed: %w", cfg.CredsFile, err)
		}
		kp.Wipe()
	}
	return nil
}

// redactURLs hides passwords in a comma-separated URL list for logs and
// errors.
func redactURLs(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if u, err := url.Parse(p); err == nil && u.User != nil {
			p = u.Redacted()
		}
		parts[i] = p
	}
	return strings.Join(parts, ",")
}
