package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"go.yaml.in/yaml/v3"

	"github.com/pbxalarm/pbxalarm/ingest"
	"github.com/pbxalarm/pbxalarm/ingest/snmp"
)

// serveFlags binds the serve command's flags to an ingest.Config.
//
// Values that hold secrets (the SNMPv3 users) never fail the flag parser:
// it would quote the whole value, passphrases and all, in its message.
// Their errors, which never quote a passphrase, are kept in secretErrs and
// reported once loading is done.
func serveFlags(o *options, c *ingest.Config, lc *logConfig, secretErrs *[]error) {
	fs := o.fs
	fs.StringVar(&c.SyslogUDP, "syslog-udp", c.SyslogUDP, "syslog UDP address, or off")
	fs.StringVar(&c.SyslogTCP, "syslog-tcp", c.SyslogTCP, "syslog TCP address (octet-counted or LF/NUL framing), or off")
	fs.StringVar(&c.SyslogTLS, "syslog-tls", c.SyslogTLS, "syslog TLS address (RFC 5425), or off; \"on\" means "+ingest.DefaultTLSAddr)
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "PEM certificate for syslog TLS")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "PEM key for syslog TLS")
	fs.StringVar(&c.TLSClientCA, "tls-client-ca", c.TLSClientCA, "PEM CA bundle; when set, syslog TLS clients must present a certificate it signed")
	fs.IntVar(&c.MaxFrameSize, "max-frame-size", c.MaxFrameSize, "largest syslog frame in bytes; larger ones are counted and skipped")
	fs.IntVar(&c.MaxConnections, "max-connections", c.MaxConnections, "concurrent connections per stream listener")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "close stream connections idle this long")
	fs.IntVar(&c.UDPReaders, "udp-readers", c.UDPReaders, "reader goroutines per UDP socket")
	fs.IntVar(&c.UDPReadBuffer, "udp-read-buffer", c.UDPReadBuffer, "UDP socket receive buffer (SO_RCVBUF) in bytes")
	fs.StringVar(&c.Timezone, "timezone", c.Timezone, "time zone of syslog timestamps that carry none (IANA name)")
	o.csvListVar(&c.SyslogAllow, "syslog-allow", "syslog sender admitted, IP or CIDR, comma-separated or repeated; empty admits any; others are dropped (UDP) or closed at accept (TCP, TLS) and counted")
	o.csvListVar(&c.SNMPAllow, "snmp-allow", "SNMP sender admitted, IP or CIDR, comma-separated or repeated; empty admits any; others are dropped undecoded and counted")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "messages a second each sender may send to each input; beyond it they are dropped and counted (0: unlimited)")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "messages a sender may send at once before --rate-limit applies (0: one second's worth)")
	fs.StringVar(&c.NATSURL, "nats-url", c.NATSURL, "NATS server URL(s), comma-separated; empty runs an embedded NATS server")
	fs.StringVar(&c.NATSListen, "nats-listen", c.NATSListen, "client address of the embedded NATS server")
	fs.StringVar(&c.NATSCreds, "nats-creds", c.NATSCreds, "NATS credentials file")
	fs.StringVar(&c.NATSNKey, "nats-nkey", c.NATSNKey, "NATS NKey seed file")
	fs.StringVar(&c.NATSTLSCA, "nats-tls-ca", c.NATSTLSCA, "CA bundle to verify the NATS server")
	fs.StringVar(&c.NATSTLSCert, "nats-tls-cert", c.NATSTLSCert, "client certificate for NATS")
	fs.StringVar(&c.NATSTLSKey, "nats-tls-key", c.NATSTLSKey, "client key for NATS")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the embedded JetStream store and other state")
	fs.IntVar(&c.MaxInFlight, "max-in-flight", c.MaxInFlight, "events awaiting their JetStream acknowledgement before inputs wait")
	fs.Int64Var(&c.SpoolMaxBytes, "spool-max-bytes", c.SpoolMaxBytes, "bound of the local spool (under data-dir) holding accepted events until the external NATS acknowledges them; when full, inputs wait")
	fs.StringVar(&c.SubjectPrefix, "subject-prefix", c.SubjectPrefix, "first token(s) of every event subject")
	fs.BoolVar(&c.StreamSetup, "stream-setup", c.StreamSetup, "create or update the stream at start")
	fs.StringVar(&c.StreamName, "stream-name", c.StreamName, "JetStream stream name")
	fs.DurationVar(&c.StreamMaxAge, "stream-max-age", c.StreamMaxAge, "how long the stream keeps events (0 = forever)")
	fs.DurationVar(&c.StreamDuplicates, "stream-duplicates", c.StreamDuplicates, "JetStream duplicate window (de-duplication by event id)")
	fs.DurationVar(&c.StoreCheck, "store-check", c.StoreCheck, "how often the local JetStream store is checked for a write error (a full disk) or a full limit and reopened, so that room made on the disk is used; negative: never")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long shutdown may take to publish what is in flight")
	fs.BoolVar(&c.Track, "track", c.Track, "run the licence-state tracker (pbx_licence bucket, state events) inside serve")
	fs.StringVar(&c.HTTP, "http", c.HTTP, "address of the NOC web board (licence state per PBX, live), or off")
	fs.BoolVar(&c.Pprof, "pprof", c.Pprof, "serve Go's profiles under /debug/pprof/ on the metrics address (for performance work)")
	fs.StringVar(&c.Metrics, "metrics", c.Metrics, "address of the Prometheus /metrics and the /healthz and /readyz endpoints, or off")
	fs.StringVar(&c.SNMPUDP, "snmp-udp", c.SNMPUDP, "SNMP trap and inform address, or off")
	o.listVar(&c.SNMPCommunities, "snmp-community", "v1/v2c community to accept, optionally only from networks: COMMUNITY[@CIDR,CIDR...]")
	fs.Func("snmp-user", "SNMPv3 user NAME:AUTH:AUTHPASS:PRIV:PRIVPASS@ENGINE (AUTH/PRIV may be none; ENGINE hex or any) (repeatable)", func(v string) error {
		u, err := snmp.ParseUser(v)
		if err != nil {
			*secretErrs = append(*secretErrs, fmt.Errorf("snmp-user: %w", err))
			return nil
		}
		c.SNMPUsers = append(c.SNMPUsers, u)
		return nil
	})
	fs.StringVar(&c.SNMPEngineID, "snmp-engine-id", c.SNMPEngineID, "pbxalarm's own SNMPv3 engine ID in hex (for v3 informs); empty: generated and kept in data-dir")
	fs.IntVar(&c.SNMPReadPort, "snmp-read-port", c.SNMPReadPort, "port of the PBX's SNMP agent, read back after an alarm trap")
	fs.StringVar(&c.SNMPReadCommunity, "snmp-read-community", c.SNMPReadCommunity, "community for reading the PBX's alarm category table back (empty: no read-back unless snmp-read-user)")
	fs.Func("snmp-read-user", "SNMPv3 user for the read-back, same syntax as --snmp-user", func(v string) error {
		u, err := snmp.ParseUser(v)
		if err != nil {
			*secretErrs = append(*secretErrs, fmt.Errorf("snmp-read-user: %w", err))
			return nil
		}
		c.SNMPReadUser = &u
		return nil
	})
	fs.DurationVar(&c.SNMPReadTimeout, "snmp-read-timeout", c.SNMPReadTimeout, "deadline of one read-back")
	o.csvListVar(&c.Logstreams, "logstream", "PBX maintenance-log stream to connect to: host:port or NAME=host:port (comma-separated or repeated)")
	o.structuredKey("snmp-users", func(n *yaml.Node) error {
		var users []snmp.User
		if err := n.Decode(&users); err != nil {
			return fmt.Errorf("want a list of {name, auth, auth_pass, priv, priv_pass, engine_id}: %w", err)
		}
		c.SNMPUsers = append(c.SNMPUsers, users...)
		return nil
	})
	o.structuredKey("snmp-read-user", func(n *yaml.Node) error {
		if n.Kind == yaml.ScalarNode {
			u, err := snmp.ParseUser(n.Value)
			c.SNMPReadUser = &u
			return err
		}
		var u snmp.User
		if err := n.Decode(&u); err != nil {
			return fmt.Errorf("want {name, auth, auth_pass, priv, priv_pass}: %w", err)
		}
		c.SNMPReadUser = &u
		return nil
	})
	o.structuredKey("schedules", func(n *yaml.Node) error {
		m := map[string]string{}
		if err := n.Decode(&m); err != nil {
			return fmt.Errorf("want a mapping of system name to schedule (default, 3300-legacy): %w", err)
		}
		c.Schedules = m
		return nil
	})
	o.structuredKey("systems", func(n *yaml.Node) error {
		m := map[string]string{}
		if err := n.Decode(&m); err != nil {
			return fmt.Errorf("want a mapping of IP or CIDR to system name: %w", err)
		}
		c.Systems = m
		return nil
	})
	o.structuredKey("timezones", func(n *yaml.Node) error {
		m := map[string]string{}
		if err := n.Decode(&m); err != nil {
			return fmt.Errorf("want a mapping of IP or CIDR to IANA time zone: %w", err)
		}
		c.Timezones = m
		return nil
	})
	logFlags(o, lc)
}

func loadServeConfig(args []string, stderr io.Writer) (ingest.Config, *slog.Logger, error) {
	cfg, log, _, _, err := parseServe(args, stderr)
	return cfg, log, err
}

// settings are serve's flags' values after flags, environment and file,
// with the structured keys that are not flags, to tell which changed when
// the configuration is read again. They may hold secrets: compare them,
// never log them.
type settings map[string]string

// restartNeeded names the settings that differ between was and now, other
// than those a reload takes up (systems, timezones, timezone).
func restartNeeded(was, now settings) []string {
	var names []string
	for k, v := range now {
		switch k {
		case "systems", "timezones", "timezone":
			continue
		}
		if was[k] != v {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names
}

// parseServe is loadServeConfig that also says whether --check was given,
// and what the settings were.
func parseServe(args []string, stderr io.Writer) (cfg ingest.Config, log *slog.Logger, check bool, set settings, err error) {
	cfg = ingest.Defaults()
	lc := defaultLogConfig()
	o := newOptions("serve")
	o.fs.SetOutput(stderr)
	var secretErrs []error
	serveFlags(o, &cfg, &lc, &secretErrs)
	o.commandLineBool(&check, "check", false, "check the configuration and read the files it names (TLS, NATS credentials), then exit: 0 if serve would start with it (command line only)")
	if err := errors.Join(append([]error{o.load(args)}, secretErrs...)...); err != nil {
		return cfg, nil, check, nil, err
	}
	if strings.EqualFold(cfg.SyslogTLS, "on") {
		cfg.SyslogTLS = ingest.DefaultTLSAddr
	}
	if log, err = lc.logger(stderr); err != nil {
		return cfg, nil, check, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, nil, check, nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	set = settings{}
	o.fs.VisitAll(func(f *flag.Flag) { set[f.Name] = f.Value.String() })
	for k, v := range map[string]any{"systems": cfg.Systems, "timezones": cfg.Timezones,
		"snmp-users": cfg.SNMPUsers, "snmp-read-user": cfg.SNMPReadUser, "schedules": cfg.Schedules} {
		set[k] = fmt.Sprintf("%+v", v)
	}
	return cfg, log, check, set, nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// Caught from here on, a SIGHUP reloads instead of ending the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	cfg, log, check, started, err := parseServe(args, stderr)
	if err != nil {
		return err
	}
	if check {
		if err := cfg.CheckFiles(); err != nil {
			return fmt.Errorf("invalid configuration:\n%w", err)
		}
		_, err := fmt.Fprintln(stdout, "configuration ok")
		return err
	}
	svc, err := ingest.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	sd := newSystemd(log)
	go sd.run(ctx, svc)
	// A reload reads the configuration again as at start (the arguments
	// and environment cannot have changed: the file can).
	read := func() (ingest.Config, error) {
		next, _, _, now, err := parseServe(args, io.Discard)
		if err == nil {
			if names := restartNeeded(started, now); len(names) > 0 {
				log.Warn("reload: these settings changed and take effect only after a restart", "settings", names)
			}
		}
		return next, err
	}
	go reloadOn(ctx, hup, svc, read, sd)
	return svc.Run(ctx)
}

// reloadOn reloads svc at each signal on hup until ctx ends. Reload logs
// and counts its own outcome.
func reloadOn(ctx context.Context, hup <-chan os.Signal, svc *ingest.Service, read func() (ingest.Config, error), sd *systemd) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			sd.reloading()
			sd.reloaded(svc.Reload(read))
		}
	}
}
