package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/pbxalarm/pbxalarm/emulator"
	"github.com/pbxalarm/pbxalarm/ingest/snmp"
)

// emulateConfig is what the emulate command's flags set.
type emulateConfig struct {
	scenario string
	targets  emulator.Targets
	user     string
	speed    float64
	start    string
	end      string
	instant  bool
	seed     int64
	fleet    int
	baseIP   string
	expect   string
	linger   time.Duration
	list     bool
	show     string
	progress string
}

func emulateFlags(o *options, c *emulateConfig) {
	fs := o.fs
	fs.StringVar(&c.scenario, "scenario", "cert-2020", "built-in scenario ("+strings.Join(emulator.Builtins(), ", ")+") or a YAML file")
	o.listVar(&c.targets.Syslog, "syslog", "syslog receiver: udp://host:port, tcp://host:port, tcp+octet://host:port or tls://host:port")
	fs.StringVar(&c.targets.SyslogFormat, "syslog-format", emulator.FormatRFC3164, "rfc3164 or rfc5424")
	fs.BoolVar(&c.targets.TLSInsecure, "tls-insecure", false, "do not verify the tls:// receiver's certificate")
	fs.StringVar(&c.targets.TLSCA, "tls-ca", "", "PEM CAs to verify the tls:// receiver with")
	fs.StringVar(&c.targets.SNMP, "snmp", "", "SNMP trap receiver host:port (empty: no traps)")
	fs.StringVar(&c.targets.SNMPVersion, "snmp-version", "1", "1, 2c or 3")
	fs.StringVar(&c.targets.Community, "snmp-community", "public", "trap community (v1, v2c)")
	fs.StringVar(&c.user, "snmp-user", "", "SNMPv3 user NAME:AUTH:AUTHPASS:PRIV:PRIVPASS@ENGINE, as for serve")
	fs.BoolVar(&c.targets.Inform, "inform", false, "send informs (v2c, v3) instead of traps")
	fs.IntVar(&c.targets.AgentPort, "agent-port", 0, "start an SNMP agent on each system's address at this port (0: none)")
	fs.StringVar(&c.targets.AgentCommunity, "agent-community", "public", "community the agents answer")
	fs.IntVar(&c.targets.LogstreamPort, "logstream-port", 0, "serve a maintenance-log stream on each system's address at this port (0: none)")
	fs.Float64Var(&c.speed, "speed", emulator.DefaultSpeed, "virtual seconds per real second (86400 plays a day a second)")
	fs.StringVar(&c.start, "start", "", "virtual start, RFC 3339 or YYYY-MM-DD (default: the scenario's)")
	fs.StringVar(&c.end, "end", "", "virtual end, RFC 3339 or YYYY-MM-DD (default: the scenario's)")
	fs.BoolVar(&c.instant, "instant", false, "send everything as fast as the receivers take it, stamped with virtual time")
	fs.Int64Var(&c.seed, "seed", -1, "seed of every random choice (default: the scenario's)")
	fs.IntVar(&c.fleet, "fleet", 0, "scale the scenario to this many systems (0: as written)")
	fs.StringVar(&c.baseIP, "base-ip", emulator.DefaultBaseIP.String(), "address of the first system (127.0.0.0/8)")
	fs.StringVar(&c.expect, "expect", "", "write the expected events, one JSON line each, to this file")
	fs.DurationVar(&c.linger, "linger", 5*time.Second, "keep agents and log streams up this long after the last message")
	fs.BoolVar(&c.list, "list", false, "list the built-in scenarios and exit")
	fs.StringVar(&c.show, "show", "", "print a built-in scenario's YAML and exit")
	fs.StringVar(&c.progress, "progress", "auto", "auto (a bar on a terminal, log lines otherwise), bar, lines or off")
}

func parseWhen(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s: %q is neither RFC 3339 nor YYYY-MM-DD", field, s)
}

// runOptions turns the flags into the emulator's options.
func (c *emulateConfig) runOptions() ([]emulator.Option, error) {
	var opts []emulator.Option
	if c.user != "" {
		u, err := snmp.ParseUser(c.user)
		if err != nil {
			return nil, fmt.Errorf("snmp-user: %w", err)
		}
		c.targets.User = u
	}
	start, err := parseWhen("start", c.start)
	if err != nil {
		return nil, err
	}
	end, err := parseWhen("end", c.end)
	if err != nil {
		return nil, err
	}
	if !start.IsZero() {
		opts = append(opts, emulator.WithStart(start))
	}
	if !end.IsZero() {
		opts = append(opts, emulator.WithEnd(end))
	}
	base, err := netip.ParseAddr(c.baseIP)
	if err != nil {
		return nil, fmt.Errorf("base-ip: %w", err)
	}
	opts = append(opts, emulator.WithSpeed(c.speed), emulator.WithBaseIP(base), emulator.WithLinger(c.linger))
	if c.instant {
		opts = append(opts, emulator.WithInstant())
	}
	if c.seed >= 0 {
		opts = append(opts, emulator.WithSeed(uint64(c.seed)))
	}
	if c.fleet > 0 {
		opts = append(opts, emulator.WithFleet(c.fleet))
	}
	return opts, nil
}

func runEmulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c emulateConfig
	lc := defaultLogConfig()
	o := newOptions("emulate")
	o.fs.SetOutput(stderr)
	emulateFlags(o, &c)
	logFlags(o, &lc)
	if err := o.load(args); err != nil {
		return err
	}
	if c.list {
		for _, n := range emulator.Builtins() {
			fmt.Fprintln(stdout, n)
		}
		return nil
	}
	if c.show != "" {
		b, err := emulator.BuiltinYAML(c.show)
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}
	log, err := lc.logger(stderr)
	if err != nil {
		return err
	}
	sc, err := emulator.Load(c.scenario)
	if err != nil {
		return err
	}
	opts, err := c.runOptions()
	if err != nil {
		return err
	}
	opts = append(opts, emulator.WithLogger(log))
	if c.expect != "" {
		f, err := os.Create(c.expect)
		if err != nil {
			return fmt.Errorf("expect: %w", err)
		}
		defer f.Close()
		opts = append(opts, emulator.WithExpectations(f))
	}
	bar, err := newProgressView(c.progress, stderr, sc, c)
	if err != nil {
		return err
	}
	if bar != nil {
		opts = append(opts, emulator.WithProgress(bar.update, 0))
	}
	sum, err := emulator.Run(ctx, sc, c.targets, opts...)
	if bar != nil {
		bar.finish()
	}
	if werr := sum.WriteText(stdout); werr != nil && err == nil {
		err = werr
	}
	return err
}
