package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pbxalarm/pbxalarm/ingest/logstream"
	"github.com/pbxalarm/pbxalarm/ingest/publish"
	"github.com/pbxalarm/pbxalarm/ingest/snmp"
	"github.com/pbxalarm/pbxalarm/ingest/spool"
	"github.com/pbxalarm/pbxalarm/ingest/syslog"
	"github.com/pbxalarm/pbxalarm/tracker"
	"github.com/pbxalarm/pbxalarm/tracker/board"
)

// Service is a running ingester: its inputs are bound and its NATS side is
// set up by New; Run serves until its context ends.
type Service struct {
	cfg Config
	log *slog.Logger

	embedded *publish.Embedded
	nc       *nats.Conn
	js       jetstream.JetStream
	pub      *publish.Publisher
	pipeline *Pipeline

	// With an external NATS, inputs publish into the spool and the
	// forwarder moves what is spooled to the external stream.
	spool     *spool.Spool
	forwarder *spool.Forwarder

	// publishCtx outlives the inputs: what they have read is still
	// published after they stop, until the shutdown deadline.
	publishCtx    context.Context
	cancelPublish context.CancelFunc

	syslogStats *syslog.Stats
	snmpStats   *snmp.Stats
	streamStats *logstream.Stats
	inputs      []input
	clients     []*logstream.Client // inputs that connect out
	tlsFiles    *syslog.TLSFiles    // nil without syslog TLS
	reloads     [2]atomic.Uint64    // ok, failed
	web         *web
	board       atomic.Pointer[board.Board] // the licence states, once NATS answers
	metrics     *metricsServer
	state       atomic.Int32
	serving     chan struct{} // closed once Run serves the inputs
	addrs       Addrs
}

// input is one bound listener.
type input interface {
	Addr() net.Addr
	Serve(ctx context.Context) error
}

// Addrs are the addresses the service actually listens on.
type Addrs struct {
	SyslogUDP, SyslogTCP, SyslogTLS net.Addr // nil when off
	SNMP                            net.Addr // nil when off
	HTTP                            net.Addr // the board; nil when off
	Metrics                         net.Addr // /metrics, /healthz, /readyz; nil when off
	NATS                            string   // client URL of the NATS in use, without user information
}

// New validates cfg, starts the embedded NATS server (when cfg.NATSURL is
// empty), connects to NATS and binds every input. A NATS that is not up yet
// is not an error: the connection is made when it comes up.
func New(ctx context.Context, cfg Config, log *slog.Logger) (_ *Service, err error) {
	if log == nil {
		log = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("ingest: invalid configuration: %w", err)
	}
	s := &Service{cfg: cfg, log: log, syslogStats: &syslog.Stats{}, snmpStats: &snmp.Stats{}, streamStats: &logstream.Stats{},
		serving: make(chan struct{})}
	defer func() {
		if err != nil {
			s.closeNATS()
		}
	}()
	url := cfg.natsURLs // without user information: publish logs its URLs
	if url == "" {
		host, portText, _ := net.SplitHostPort(cfg.NATSListen)
		port, perr := strconv.Atoi(portText)
		if perr != nil {
			return nil, fmt.Errorf("ingest: nats-listen %q: %w", cfg.NATSListen, perr)
		}
		if port == 0 {
			port = -1 // nats-server's "any free port"
		}
		s.embedded, err = publish.StartEmbedded(ctx, publish.EmbeddedConfig{
			Host: host, Port: port, StoreDir: filepath.Join(cfg.DataDir, "jetstream"),
			StoreCheck: cfg.StoreCheck,
		}, log)
		if err != nil {
			return nil, fmt.Errorf("ingest: embedded NATS: %w", err)
		}
		url = s.embedded.ClientURL()
	}
	conn := cfg.connConfig(url)
	if s.embedded != nil {
		// Through a pipe, not loopback TCP: no socket system calls on
		// either side. Other clients still use the listener.
		conn.InProcess = s.embedded
	}
	s.nc, err = publish.Connect(conn, log)
	if err != nil {
		return nil, fmt.Errorf("ingest: connect to NATS: %w", err)
	}
	s.js, err = jetstream.New(s.nc)
	if err != nil {
		return nil, fmt.Errorf("ingest: jetstream: %w", err)
	}
	// With the embedded server the events stream is itself on local disk;
	// with an external NATS every event is accepted into the local spool
	// first, so that an outage of that NATS loses nothing.
	into := s.js
	if cfg.NATSURL != "" {
		s.spool, err = spool.Open(ctx, spool.Config{
			Dir: filepath.Join(cfg.DataDir, "spool"), MaxBytes: cfg.SpoolMaxBytes, StoreCheck: cfg.StoreCheck,
			Subjects: []string{cfg.SubjectPrefix + ".>"}, Duplicates: cfg.StreamDuplicates,
		}, log)
		if err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
		into = s.spool.JetStream()
		s.forwarder = s.spool.NewForwarder(s.js, publish.WithMaxInFlight(cfg.MaxInFlight),
			publish.WithLogger(log.With("component", "forwarder")))
	}
	s.pub = publish.NewPublisher(into, publish.WithMaxInFlight(cfg.MaxInFlight), publish.WithLogger(log))
	s.publishCtx, s.cancelPublish = context.WithCancel(context.WithoutCancel(ctx))
	s.pipeline = NewPipeline(cfg.SubjectPrefix, cfg.systems, cfg.zones, s.pub, log)
	if err := s.bindInputs(); err != nil {
		s.cancelPublish()
		return nil, err
	}
	return s, nil
}

func (s *Service) bindInputs() error {
	cfg := s.cfg
	parser := syslog.NewParser(syslog.WithZones(s.pipeline.Zone))
	common := []syslog.Option{
		syslog.WithLogger(s.log), syslog.WithStats(s.syslogStats), syslog.WithParser(parser),
		syslog.WithMaxFrameSize(cfg.MaxFrameSize),
		syslog.WithAllow(cfg.syslogAllow...), syslog.WithRateLimit(cfg.RateLimit, cfg.RateBurst),
	}
	stream := append(common[:len(common):len(common)],
		syslog.WithMaxConnections(cfg.MaxConnections), syslog.WithIdleTimeout(cfg.IdleTimeout))
	h := syslogHandler{s}
	var errs []error
	if cfg.SyslogUDP != Off {
		l, err := syslog.ListenUDP(cfg.SyslogUDP, h, append(common,
			syslog.WithReaders(cfg.UDPReaders), syslog.WithReadBuffer(cfg.UDPReadBuffer))...)
		if err != nil {
			errs = append(errs, fmt.Errorf("syslog-udp: %w", err))
		} else {
			s.inputs, s.addrs.SyslogUDP = append(s.inputs, l), l.Addr()
		}
	}
	if cfg.SyslogTCP != Off {
		l, err := syslog.ListenTCP(cfg.SyslogTCP, h, stream...)
		if err != nil {
			errs = append(errs, fmt.Errorf("syslog-tcp: %w", err))
		} else {
			s.inputs, s.addrs.SyslogTCP = append(s.inputs, l), l.Addr()
		}
	}
	if cfg.SyslogTLS != Off {
		files, err := syslog.LoadTLSFiles(cfg.TLSCert, cfg.TLSKey, cfg.TLSClientCA)
		if err != nil {
			errs = append(errs, fmt.Errorf("syslog-tls: %w", err))
		} else if l, err := syslog.ListenTLS(cfg.SyslogTLS, files.Config(), h, stream...); err != nil {
			errs = append(errs, fmt.Errorf("syslog-tls: %w", err))
		} else {
			s.inputs, s.addrs.SyslogTLS, s.tlsFiles = append(s.inputs, l), l.Addr(), files
			s.log.Info("syslog TLS certificate", "cert", cfg.TLSCert, "not_after", files.NotAfter())
		}
	}
	if cfg.SNMPUDP != Off {
		if l, err := s.listenSNMP(); err != nil {
			errs = append(errs, fmt.Errorf("snmp-udp: %w", err))
		} else {
			s.inputs, s.addrs.SNMP = append(s.inputs, l), l.Addr()
		}
	}
	if cfg.HTTP != Off {
		if w, err := listenWeb(cfg.HTTP, s.board.Load); err != nil {
			errs = append(errs, err)
		} else {
			s.web, s.addrs.HTTP = w, w.Addr()
		}
	}
	if cfg.Metrics != Off {
		if m, err := listenMetrics(cfg.Metrics, s); err != nil {
			errs = append(errs, err)
		} else {
			s.metrics, s.addrs.Metrics = m, m.Addr()
			s.pipeline.latency = m.latency
		}
	}
	if len(cfg.streamAddrs) > 0 {
		c, err := logstream.New(cfg.streamAddrs, logstreamHandler{s}, logstream.WithLogger(s.log),
			logstream.WithStats(s.streamStats), logstream.WithMaxLineSize(cfg.MaxFrameSize))
		if err != nil {
			errs = append(errs, fmt.Errorf("logstream: %w", err))
		} else {
			s.clients = append(s.clients, c)
		}
	}
	if err := errors.Join(errs...); err != nil {
		for _, in := range s.inputs {
			if c, ok := in.(interface{ Close() error }); ok {
				c.Close()
			}
		}
		if s.web != nil {
			s.web.ln.Close()
		}
		if s.metrics != nil {
			s.metrics.ln.Close()
		}
		return fmt.Errorf("ingest: bind: %w", err)
	}
	return nil
}

func (s *Service) listenSNMP() (*snmp.Receiver, error) {
	cfg := s.cfg
	opts := []snmp.Option{
		snmp.WithLogger(s.log), snmp.WithStats(s.snmpStats), snmp.WithDataDir(cfg.DataDir),
		snmp.WithReaders(cfg.UDPReaders), snmp.WithReadBuffer(cfg.UDPReadBuffer),
		snmp.WithEnrichTimeout(cfg.SNMPReadTimeout),
		snmp.WithAllow(cfg.snmpAllow...), snmp.WithRateLimit(cfg.RateLimit, cfg.RateBurst),
	}
	for _, c := range cfg.communities {
		opts = append(opts, snmp.WithCommunity(c.value, c.networks...))
	}
	for _, u := range cfg.SNMPUsers {
		opts = append(opts, snmp.WithUser(u))
	}
	if cfg.engineID != nil {
		opts = append(opts, snmp.WithEngineID(cfg.engineID))
	}
	var readOpts []snmp.ReadBackOption
	switch {
	case cfg.SNMPReadUser != nil:
		readOpts = append(readOpts, snmp.ReadBackUser(*cfg.SNMPReadUser))
	case cfg.SNMPReadCommunity != "":
		readOpts = append(readOpts, snmp.ReadBackCommunity(cfg.SNMPReadCommunity))
	}
	if readOpts != nil {
		rb, err := snmp.NewReadBack(append(readOpts, snmp.ReadBackPort(uint16(cfg.SNMPReadPort)))...)
		if err != nil {
			return nil, err
		}
		opts = append(opts, snmp.WithEnricher(rb))
	}
	return snmp.Listen(cfg.SNMPUDP, snmpHandler{s}, opts...)
}

// logstreamHandler, like syslogHandler, publishes on the service's context.
type logstreamHandler struct{ s *Service }

func (h logstreamHandler) HandleLogstream(_ context.Context, m *logstream.Message) error {
	return h.s.pipeline.HandleLogstream(h.s.publishCtx, m, h.s.cfg.streamNames[m.Addr])
}

// snmpHandler, like syslogHandler, publishes on the service's context.
type snmpHandler struct{ s *Service }

func (h snmpHandler) HandleNotification(_ context.Context, n *snmp.Notification, ack func(error)) error {
	return h.s.pipeline.HandleNotification(h.s.publishCtx, n, ack)
}

// syslogHandler publishes with the service's publish context rather than
// the listener's, which ends as soon as shutdown starts.
type syslogHandler struct{ s *Service }

func (h syslogHandler) HandleSyslog(_ context.Context, m *syslog.Message) error {
	return h.s.pipeline.HandleSyslog(h.s.publishCtx, m)
}

// Addrs returns where the service listens.
func (s *Service) Addrs() Addrs {
	a := s.addrs
	if s.embedded != nil {
		a.NATS = s.embedded.ClientURL()
	} else {
		a.NATS = s.cfg.natsURLs
	}
	return a
}

// Serving is closed once Run serves every input: from then on the daemon
// takes what is sent to it.
func (s *Service) Serving() <-chan struct{} { return s.serving }

// Reload takes up, without a restart, what may change while the service
// runs (serve does this on SIGHUP):
//   - the syslog TLS certificate, its key and the client CA, read again
//     from their files, so that a renewed certificate needs no restart;
//   - when read is not nil, the senders' names and zones (Systems,
//     Timezones, Timezone) of the configuration read returns, so that a
//     new PBX needs no restart.
//
// It is all or nothing: a configuration that does not read or validate,
// or files that do not load, leave everything as it was, and the error
// says why. Every other setting is set at start.
func (s *Service) Reload(read func() (Config, error)) error {
	if err := s.reload(read); err != nil {
		s.reloads[1].Add(1)
		s.log.Error("reload failed; the running configuration stays", "err", err)
		return err
	}
	s.reloads[0].Add(1)
	return nil
}

func (s *Service) reload(read func() (Config, error)) error {
	if read == nil && s.tlsFiles == nil {
		s.log.Info("reload: nothing to reload (no syslog TLS)")
		return nil
	}
	var next *Config
	if read != nil {
		c, err := read()
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			return fmt.Errorf("reload: configuration: %w", err)
		}
		next = &c
	}
	if s.tlsFiles != nil {
		if err := s.tlsFiles.Reload(); err != nil {
			return fmt.Errorf("reload: %w", err)
		}
		s.log.Info("reload: syslog TLS certificate reloaded", "cert", s.cfg.TLSCert, "not_after", s.tlsFiles.NotAfter())
	}
	if next != nil {
		s.pipeline.setSenders(next.systems, next.zones)
		s.log.Info("reload: system names and time zones taken up",
			"systems", len(next.Systems), "timezones", len(next.Timezones), "timezone", next.Timezone)
	}
	return nil
}

// Pipeline returns the service's pipeline (for its counters).
func (s *Service) Pipeline() *Pipeline { return s.pipeline }

// SNMPStats returns the SNMP receiver's counters.
func (s *Service) SNMPStats() *snmp.Stats { return s.snmpStats }

// LogstreamStats returns the log-stream client's counters.
func (s *Service) LogstreamStats() *logstream.Stats { return s.streamStats }

// SyslogStats returns the syslog inputs' counters.
func (s *Service) SyslogStats() *syslog.Stats { return s.syslogStats }

// Run serves until ctx ends, then shuts down: the inputs stop accepting,
// everything already read is published and acknowledged (bounded by
// ShutdownTimeout), and NATS is closed.
func (s *Service) Run(ctx context.Context) (err error) {
	inputCtx, stopInputs := context.WithCancel(ctx)
	defer stopInputs()
	if s.metrics != nil {
		// Served until Run returns, so that the drain can be watched.
		metricsErr := make(chan error, 1)
		go func() {
			if err := s.metrics.serve(); err != nil {
				s.log.Error("metrics server failed; shutting down", "err", err)
				metricsErr <- err
				stopInputs()
			}
		}()
		defer func() {
			if serr := s.metrics.shutdown(context.WithoutCancel(ctx)); serr != nil {
				s.log.Warn("metrics server shutdown", "err", serr)
			}
			select {
			case merr := <-metricsErr:
				err = errors.Join(err, fmt.Errorf("ingest: %w", merr))
			default:
			}
		}()
	}
	var wg sync.WaitGroup
	errc := make(chan error, len(s.inputs)+len(s.clients)+2)
	for _, c := range s.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Run(inputCtx); err != nil && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("ingest: logstream: %w", err)
				stopInputs()
			}
		}()
	}
	for _, in := range s.inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := in.Serve(inputCtx); err != nil && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("ingest: input %s: %w", in.Addr(), err)
				stopInputs() // one input failing stops the daemon: a half-working collector hides loss
			}
		}()
	}
	if s.web != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.web.Serve(inputCtx); err != nil {
				errc <- fmt.Errorf("ingest: %w", err)
				stopInputs()
			}
		}()
	}
	if s.web != nil || s.metrics != nil {
		wg.Go(func() { s.followLicences(inputCtx) })
	}
	if s.cfg.Track {
		tr, err := tracker.New(s.js, tracker.Config{
			Prefix: s.cfg.SubjectPrefix, Stream: s.cfg.StreamName,
			Schedules: tracker.Schedules{BySystem: s.cfg.Schedules}, Logger: s.log,
		})
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = tr.Run(inputCtx) }()
	}
	if s.cfg.StreamSetup {
		wg.Add(1)
		go func() { defer wg.Done(); s.ensureStream(inputCtx) }()
	}
	// The forwarder outlives the inputs: it drains the spool at shutdown.
	var forwarding sync.WaitGroup
	var forwardErr error
	forwardCtx, stopForwarding := context.WithCancel(s.publishCtx)
	defer stopForwarding()
	if s.forwarder != nil {
		forwarding.Add(1)
		go func() {
			defer forwarding.Done()
			if forwardErr = s.forwarder.Run(forwardCtx); forwardErr != nil {
				stopInputs()
			}
		}()
	}
	s.state.Store(stateServing)
	close(s.serving)
	a := s.Addrs()
	s.log.Info("pbxalarm serving", "syslog_udp", a.SyslogUDP, "syslog_tcp", a.SyslogTCP,
		"syslog_tls", a.SyslogTLS, "snmp", a.SNMP, "board", a.HTTP, "metrics", a.Metrics, "logstreams", s.cfg.streamAddrs, "nats", a.NATS, "embedded_nats", s.embedded != nil,
		"subjects", s.cfg.SubjectPrefix+".>", "stream", s.cfg.StreamName)
	<-inputCtx.Done()
	s.state.Store(stateStopping)
	s.log.Info("shutting down: inputs stopping, publishing what is in flight", "timeout", s.cfg.ShutdownTimeout)
	// The deadline runs from here: an input blocked handing on a message
	// (NATS away, spool full) is released by it, so shutdown is bounded.
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	stopPublishing := context.AfterFunc(closeCtx, s.cancelPublish)
	defer stopPublishing()
	wg.Wait()

	var errs []error
	close(errc)
	for err := range errc {
		errs = append(errs, err)
	}
	if err := s.pub.Close(closeCtx); err != nil {
		errs = append(errs, fmt.Errorf("ingest: shutdown: %w", err))
	}
	if s.forwarder != nil {
		// What could not be forwarded in time stays in the spool for the
		// next start.
		if err := s.forwarder.Drain(closeCtx); err != nil {
			s.log.Warn("spool not drained before the shutdown deadline; kept for the next start", "err", err)
		}
		stopForwarding()
		forwarding.Wait()
		if forwardErr != nil {
			errs = append(errs, fmt.Errorf("ingest: %w", forwardErr))
		}
	}
	s.cancelPublish()
	s.closeNATS()
	st := s.pipeline.Stats()
	s.log.Info("pbxalarm stopped", "received", st.Received.Load(), "published", st.Published.Load(),
		"recognised", st.Recognised.Load())
	return errors.Join(errs...)
}

// ensureStream creates or updates the stream, retrying until NATS answers:
// the daemon starts before NATS does, and publishes wait for the stream.
func (s *Service) ensureStream(ctx context.Context) {
	cfg := publish.StreamConfig{
		Name: s.cfg.StreamName, Subjects: []string{s.cfg.SubjectPrefix + ".>"},
		Duplicates: s.cfg.StreamDuplicates, MaxAge: s.cfg.StreamMaxAge,
	}
	delay := 100 * time.Millisecond
	for {
		attempt, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := publish.EnsureStream(attempt, s.js, cfg)
		cancel()
		if err == nil {
			s.log.Info("stream ready", "stream", cfg.Name, "subjects", cfg.Subjects)
			return
		}
		s.log.Warn("stream setup failed; retrying", "stream", cfg.Name, "err", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, 10*time.Second)
	}
}

func (s *Service) closeNATS() {
	if s.nc != nil {
		s.nc.Close()
	}
	if s.spool != nil {
		s.spool.Close()
	}
	if s.embedded != nil {
		s.embedded.Shutdown()
	}
}

// SpoolStats reports the spool's content and what its forwarder has done.
// ok is false when there is no spool: with the embedded NATS the events
// stream itself is on local disk.
func (s *Service) SpoolStats(ctx context.Context) (st spool.Stats, fwd spool.ForwarderStats, ok bool, err error) {
	if s.spool == nil {
		return st, fwd, false, nil
	}
	st, err = s.spool.Stats(ctx)
	return st, s.forwarder.Stats(), true, err
}
