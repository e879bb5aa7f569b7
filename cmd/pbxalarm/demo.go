package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/pbxalarm/pbxalarm/emulator"
	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest"
)

type demoConfig struct {
	scenario   string
	duration   time.Duration
	fleet      int
	dataDir    string
	natsListen string
	agentPort  int
	streamPort int
	showLogs   bool
	http       string
}

// runDemo runs everything in one process: the embedded NATS and serve,
// and an emulated fleet playing a scenario into it, with the events shown
// as they arrive and a summary at the end.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := demoConfig{}
	lc := logConfig{level: "warn", format: "text"}
	o := newOptions("demo")
	o.fs.SetOutput(stderr)
	o.fs.StringVar(&c.scenario, "scenario", "cert-2020", "built-in scenario or YAML file to play")
	o.fs.DurationVar(&c.duration, "duration", time.Minute, "real time the whole scenario takes")
	o.fs.IntVar(&c.fleet, "fleet", 0, "scale the scenario to this many systems (0: as written)")
	o.fs.StringVar(&c.dataDir, "data-dir", "", "JetStream storage (default: a temporary directory, removed at the end)")
	o.fs.StringVar(&c.natsListen, "nats-listen", "127.0.0.1:4222", "client address of the embedded NATS, for other tools to subscribe")
	o.fs.IntVar(&c.agentPort, "agent-port", 16161, "port of each emulated PBX's SNMP agent")
	o.fs.IntVar(&c.streamPort, "logstream-port", 11751, "port of each emulated PBX's maintenance-log stream")
	o.fs.StringVar(&c.http, "http", "127.0.0.1:8080", "address of the NOC board, or off")
	o.fs.BoolVar(&c.showLogs, "show-logs", false, "also show plain log events (noise), not only licence, alarm and system events")
	logFlags(o, &lc)
	if err := o.load(args); err != nil {
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
	if c.duration <= 0 {
		return fmt.Errorf("duration: must be positive")
	}
	if c.dataDir == "" {
		dir, err := os.MkdirTemp("", "pbxalarm-demo-")
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer os.RemoveAll(dir)
		c.dataDir = dir
	}
	speed := sc.End.Sub(sc.Start).Seconds() / c.duration.Seconds()
	opts := []emulator.Option{emulator.WithSpeed(speed), emulator.WithLinger(2 * time.Second), emulator.WithLogger(log)}
	if c.fleet > 0 {
		opts = append(opts, emulator.WithFleet(c.fleet))
	}
	names, err := emulator.Systems(sc, opts...)
	if err != nil {
		return err
	}
	zones, err := emulator.Zones(sc, opts...)
	if err != nil {
		return err
	}

	cfg := ingest.Defaults()
	cfg.SyslogUDP, cfg.SyslogTCP, cfg.SNMPUDP = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.NATSListen, cfg.DataDir, cfg.HTTP = c.natsListen, c.dataDir, c.http
	cfg.Metrics = ingest.Off
	cfg.SNMPCommunities, cfg.SNMPReadCommunity, cfg.SNMPReadPort = []string{"public"}, "public", c.agentPort
	cfg.Systems, cfg.Timezones = names, zones
	for ip := range names {
		cfg.Logstreams = append(cfg.Logstreams, net.JoinHostPort(ip, strconv.Itoa(c.streamPort)))
	}
	svcCtx, stopSvc := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSvc()
	svc, err := ingest.New(svcCtx, cfg, log)
	if err != nil {
		return err
	}
	svcDone := make(chan error, 1)
	go func() { svcDone <- svc.Run(svcCtx) }()
	a := svc.Addrs()
	fmt.Fprintf(stdout, "pbxalarm demo: scenario %s, %d systems, %s of virtual time in %s\n",
		sc.Name, len(names), sc.End.Sub(sc.Start).Round(time.Hour), c.duration)
	fmt.Fprintf(stdout, "  NATS %s (stream PBX_EVENTS; try: pbxalarm tail --nats-url %s)\n", a.NATS, a.NATS)
	if a.HTTP != nil {
		fmt.Fprintf(stdout, "  board http://%s/ (licence state per PBX, live)\n", a.HTTP)
	}
	fmt.Fprintf(stdout, "  syslog tcp %s, snmp %s, log streams on port %d of each PBX\n\n", a.SyslogTCP, a.SNMP, c.streamPort)

	shown := newEventCounter()
	watchDone := make(chan error, 1)
	watchCtx, stopWatch := context.WithCancel(svcCtx)
	defer stopWatch()
	go func() { watchDone <- showEvents(watchCtx, a.NATS, stdout, c.showLogs, shown) }()

	targets := emulator.Targets{
		Syslog: []string{"tcp+octet://" + a.SyslogTCP.String()}, SNMP: a.SNMP.String(),
		Community: "public", AgentPort: c.agentPort, LogstreamPort: c.streamPort,
	}
	sum, runErr := emulator.Run(ctx, sc, targets, opts...)

	// Let the last events reach the stream and the screen: every message
	// the fleet sent becomes one event.
	settle(shown, uint64(sum.Sent.Total()), time.Minute)
	stopWatch()
	<-watchDone
	fmt.Fprintln(stdout, "\nWhat each system went through (virtual dates):")
	if err := sum.WriteText(stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nEvents on NATS: %s\n(the fleet sent %d messages; %d events were made from them)\n", shown, sum.Sent.Total(), shown.ingested())
	if cfg.Track {
		if err := printStatus(ctx, a.NATS, stdout); err != nil {
			fmt.Fprintf(stderr, "demo: status: %v\n", err)
		}
	}
	stopSvc()
	return errors.Join(runErr, <-svcDone)
}

// printStatus waits for the tracker to apply every event, then prints the
// licence state of each system, as pbxalarm status does.
func printStatus(ctx context.Context, url string, w io.Writer) error {
	js, closeNATS, err := (&natsFlags{url: url}).jetstream("pbxalarm-demo-status")
	if err != nil {
		return err
	}
	defer closeNATS()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		c, err := js.Consumer(ctx, "PBX_EVENTS", "pbxalarm-tracker")
		if err == nil {
			if info, err := c.Info(ctx); err == nil && info.NumPending == 0 && info.NumAckPending == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the tracker did not catch up: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	kv, err := openBucket(ctx, js)
	if err != nil {
		return err
	}
	states, err := readStates(ctx, kv)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nLicence state per PBX (pbxalarm status):")
	return writeTable(w, states, isTerminal(w))
}

// settle waits until want events have been shown, or until timeout.
func settle(shown *eventCounter, want uint64, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && shown.ingested() < want {
		time.Sleep(50 * time.Millisecond)
	}
}

// eventCounter counts the events seen, by type.
type eventCounter struct {
	mu sync.Mutex
	n  map[events.Type]uint64
}

func newEventCounter() *eventCounter { return &eventCounter{n: map[events.Type]uint64{}} }

func (c *eventCounter) add(t events.Type) {
	c.mu.Lock()
	c.n[t]++
	c.mu.Unlock()
}

// ingested counts the events made from what the fleet sent: all but the
// tracker's state events.
func (c *eventCounter) ingested() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var t uint64
	for typ, n := range c.n {
		if k, _ := events.KindOf(typ); k != events.KindState {
			t += n
		}
	}
	return t
}

func (c *eventCounter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	types := make([]string, 0, len(c.n))
	for t := range c.n {
		types = append(types, string(t))
	}
	sort.Strings(types)
	s := ""
	for _, t := range types {
		s += fmt.Sprintf("%s %d  ", t, c.n[events.Type(t)])
	}
	return s
}

// showEvents prints each event from the stream as it arrives.
func showEvents(ctx context.Context, url string, w io.Writer, logs bool, count *eventCounter) error {
	js, closeNATS, err := (&natsFlags{url: url}).jetstream("pbxalarm-demo")
	if err != nil {
		return err
	}
	defer closeNATS()
	cons, ok := waitForStream(ctx, js, "PBX_EVENTS", jetstream.OrderedConsumerConfig{}, 100*time.Millisecond, nil)
	if !ok {
		return nil
	}
	for {
		m, err := cons.Next(jetstream.FetchContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		e, err := events.Unmarshal(m.Data())
		if err != nil {
			continue
		}
		count.add(e.Type)
		if e.Data.Kind == events.KindLog && !logs {
			continue
		}
		fmt.Fprintln(w, colour(w, e.Data.Severity, summary(&e)))
	}
}

// colour wraps a line in the ANSI colour of its severity on a terminal.
func colour(w io.Writer, s events.Severity, line string) string {
	if !isTerminal(w) || s == events.SeverityInfo {
		return line
	}
	return colourWord(s, line)
}
