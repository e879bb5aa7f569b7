package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/pbxalarm/pbxalarm/ingest/snmp"
	"github.com/pbxalarm/pbxalarm/loadgen"
)

// runBench sends syslog, traps or informs to a pbxalarm and reports what
// arrived in the stream: throughput, loss, duplicates and latency.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := newOptions("bench")
	o.fs.SetOutput(stderr)
	var (
		n      natsFlags
		proto  string
		asJSON bool
		quiet  bool
	)
	c := loadgen.Defaults(loadgen.UDP)
	c.Target = "" // the protocol's default, once it is known
	fs := o.fs
	n.register(o)
	fs.StringVar(&proto, "proto", string(loadgen.UDP), "what to send: udp, tcp, tls (syslog); trap-v2c, trap-v3; inform-v2c, inform-v3")
	fs.StringVar(&c.Target, "target", "", fmt.Sprintf("host:port to send to (default %s for syslog, %s for tls, %s for SNMP)",
		loadgen.DefaultSyslogTarget, loadgen.DefaultTLSTarget, loadgen.DefaultSNMPTarget))
	fs.IntVar(&c.Count, "count", c.Count, "messages to send")
	fs.Float64Var(&c.Rate, "rate", c.Rate, "messages a second over all connections; 0: as fast as possible")
	fs.DurationVar(&c.Duration, "duration", c.Duration, "upper bound on the sending time")
	fs.IntVar(&c.Connections, "connections", c.Connections, "TCP/TLS connections, UDP sockets or inform senders in parallel")
	fs.DurationVar(&c.Wait, "wait", c.Wait, "how long to wait for arrivals after sending ends")
	fs.StringVar(&c.Format, "format", c.Format, "syslog format: rfc5424 or rfc3164")
	fs.StringVar(&c.Framing, "framing", c.Framing, "TCP framing: octet-counting or lf (TLS is always octet-counting)")
	fs.IntVar(&c.Systems, "systems", c.Systems, "distinct system names (BENCH-00...) the messages spread over")
	fs.StringVar(&c.TLSCA, "tls-ca", "", "PEM CA bundle that signed pbxalarm's syslog TLS certificate (default: system roots)")
	fs.BoolVar(&c.TLSInsecure, "tls-insecure", false, "do not verify pbxalarm's syslog TLS certificate")
	fs.StringVar(&c.TLSServerName, "tls-server-name", "", "name to verify the TLS certificate against (default: the target's host)")
	fs.StringVar(&c.Community, "community", c.Community, "SNMPv2c community")
	fs.Func("snmp-user", "SNMPv3 user NAME:AUTH:AUTHPASS:PRIV:PRIVPASS@ENGINE as serve's --snmp-user (traps: a hex ENGINE is the sender's engine ID, any makes one up; informs discover the receiver's)", func(v string) error {
		u, err := snmp.ParseUser(v)
		if err != nil {
			return err
		}
		c.User = u
		return nil
	})
	fs.DurationVar(&c.InformTimeout, "inform-timeout", c.InformTimeout, "how long to wait for an inform's answer before resending it")
	fs.IntVar(&c.InformRetries, "inform-retries", c.InformRetries, "resends before an inform counts as unanswered")
	fs.IntVar(&c.Window, "window", c.Window, "informs awaiting an answer, per connection")
	fs.StringVar(&c.Stream, "stream-name", c.Stream, "JetStream stream the events arrive in")
	fs.StringVar(&c.SubjectPrefix, "subject-prefix", c.SubjectPrefix, "first token(s) of the event subjects")
	fs.IntVar(&c.ValidateEvery, "validate-every", c.ValidateEvery, "decode and validate every Nth arriving event (1: all, 0: none); costs about 20 µs an event")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fs.BoolVar(&quiet, "quiet", false, "no progress lines on stderr")
	if err := o.load(args); err != nil {
		return err
	}
	c.Proto = loadgen.Proto(proto)
	if err := c.Validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	js, closeNATS, err := n.jetstream("pbxalarm-bench")
	if err != nil {
		return err
	}
	defer closeNATS()
	progress := stderr
	if quiet {
		progress = nil
	}
	r, err := loadgen.Run(ctx, c, js, progress)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return r.WriteText(stdout)
}
