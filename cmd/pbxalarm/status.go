package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.yaml.in/yaml/v3"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest"
	"github.com/pbxalarm/pbxalarm/ingest/publish"
	"github.com/pbxalarm/pbxalarm/tracker"
)

// natsFlags are the connection flags of the commands that read NATS.
type natsFlags struct{ url, creds string }

func (n *natsFlags) register(o *options) {
	o.fs.StringVar(&n.url, "nats-url", "nats://127.0.0.1:4222", "NATS server URL(s)")
	o.fs.StringVar(&n.creds, "nats-creds", "", "NATS credentials file")
}

func (n *natsFlags) jetstream(name string) (jetstream.JetStream, func(), error) {
	// User information goes into the options, out of the URL that
	// messages quote.
	cc, err := ingest.NATSConnConfig(n.url)
	if err != nil {
		return nil, nil, fmt.Errorf("nats-url: %w", err)
	}
	cc.Name, cc.CredsFile = name, n.creds
	nc, err := publish.Connect(cc, discardLogger())
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return js, nc.Close, nil
}

// waitForStream opens an ordered consumer on stream, retrying every
// interval until the stream exists; wait reports each failed try. ok is
// false when ctx ended first.
func waitForStream(ctx context.Context, js jetstream.JetStream, stream string, cfg jetstream.OrderedConsumerConfig,
	interval time.Duration, wait func(error)) (jetstream.Consumer, bool) {
	for {
		cons, err := js.OrderedConsumer(ctx, stream, cfg)
		if err == nil {
			return cons, true
		}
		if ctx.Err() != nil {
			return nil, false
		}
		if wait != nil {
			wait(err)
		}
		select {
		case <-ctx.Done():
			return nil, false
		case <-time.After(interval):
		}
	}
}

// runTrack runs the tracker on its own, so several ingesters can share one.
func runTrack(ctx context.Context, args []string, _, stderr io.Writer) error {
	var n natsFlags
	var cfg tracker.Config
	lc := defaultLogConfig()
	o := newOptions("track")
	o.fs.SetOutput(stderr)
	n.register(o)
	o.fs.StringVar(&cfg.Prefix, "subject-prefix", events.DefaultPrefix, "subject prefix of the events")
	o.fs.StringVar(&cfg.Stream, "stream-name", "PBX_EVENTS", "JetStream stream of the events")
	o.fs.StringVar(&cfg.Consumer, "consumer", "pbxalarm-tracker", "durable consumer name (give each tracker its own)")
	o.fs.DurationVar(&cfg.ReminderInterval, "reminder-interval", 25*time.Hour, "quiet time (event time) after which a system in violation is stale")
	o.structuredKey("schedules", func(node *yaml.Node) error { return node.Decode(&cfg.Schedules.BySystem) })
	logFlags(o, &lc)
	if err := o.load(args); err != nil {
		return err
	}
	log, err := lc.logger(stderr)
	if err != nil {
		return err
	}
	cfg.Logger = log
	js, closeNATS, err := n.jetstream("pbxalarm-track")
	if err != nil {
		return err
	}
	defer closeNATS()
	t, err := tracker.New(js, cfg)
	if err != nil {
		return err
	}
	log.Info("tracker running", "nats", ingest.RedactURLs(n.url), "stream", cfg.Stream, "bucket", tracker.Bucket, "consumer", cfg.Consumer)
	return t.Run(ctx)
}

// readStates returns every state in the bucket.
func readStates(ctx context.Context, kv jetstream.KeyValue) ([]tracker.State, error) {
	keys, err := kv.Keys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("status: keys: %w", err)
	}
	var out []tracker.State
	for _, k := range keys {
		e, err := kv.Get(ctx, k)
		if err != nil {
			continue // deleted meanwhile
		}
		var st tracker.State
		if err := json.Unmarshal(e.Value(), &st); err != nil {
			return nil, fmt.Errorf("status: state of %s: %w", k, err)
		}
		out = append(out, st)
	}
	sortByLock(out)
	return out, nil
}

// sortByLock orders states by time to System Lock, soonest first; those
// with no lock predicted last, by name.
func sortByLock(s []tracker.State) {
	sort.SliceStable(s, func(i, j int) bool {
		ti, oki := lockKey(&s[i])
		tj, okj := lockKey(&s[j])
		if oki != okj {
			return oki
		}
		if oki && !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return s[i].System < s[j].System
	})
}

func lockKey(s *tracker.State) (time.Time, bool) {
	if s.Level == events.SeveritySystemLock && s.LevelSince != nil {
		return *s.LevelSince, true
	}
	if s.SystemLockAt == nil || !s.InViolation() {
		return time.Time{}, false
	}
	return *s.SystemLockAt, true
}

func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func levelText(s *tracker.State) string {
	l := string(s.Level)
	if s.LevelUncertain {
		var ps []string
		for _, p := range s.PossibleLevels {
			ps = append(ps, string(p))
		}
		l += "?(" + strings.Join(ps, "|") + ")"
	}
	if s.Stale {
		l += " (stale)"
	}
	return l
}

// writeTable prints the states as the status table.
func writeTable(w io.Writer, states []tracker.State, colour bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SYSTEM\tRELEASE\tLEVEL\tCAUSE\tDAY\tNEXT ESCALATION\tLOCK AT\tCALLS")
	for i := range states {
		s := &states[i]
		next := "-"
		if s.NextEscalationAt != nil {
			next = string(s.NextLevel) + " " + when(s.NextEscalationAt)
		}
		lock := when(s.SystemLockAt)
		day := "-"
		if s.Day > 0 {
			day = fmt.Sprint(s.Day)
		}
		level := levelText(s)
		if colour {
			level = colourWord(s.Level, level)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.System, dash(s.Release), level, dash(string(s.Cause)), day, next, lock, s.Calls)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// colourWord is colour for one word inside a table (tabwriter counts the
// escape bytes, so the columns stay aligned as long as every row has them).
func colourWord(s events.Severity, word string) string {
	code := map[events.Severity]string{
		events.SeverityCleared: "32", events.SeverityWarning: "33", events.SeverityMinor: "33;1",
		events.SeverityMajor: "31", events.SeverityCritical: "31;1", events.SeveritySystemLock: "41;97;1",
	}[s]
	if code == "" {
		code = "0"
	}
	return "\x1b[" + code + "m" + word + "\x1b[0m"
}

func openBucket(ctx context.Context, js jetstream.JetStream) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, tracker.Bucket)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w (is a tracker running? serve runs one unless --track=false)", tracker.Bucket, err)
	}
	return kv, nil
}

// runStatus prints every system's licence state once.
func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var n natsFlags
	var asJSON bool
	o := newOptions("status")
	o.fs.SetOutput(stderr)
	n.register(o)
	o.fs.BoolVar(&asJSON, "json", false, "print the states as a JSON array")
	if err := o.load(args); err != nil {
		return err
	}
	js, closeNATS, err := n.jetstream("pbxalarm-status")
	if err != nil {
		return err
	}
	defer closeNATS()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	kv, err := openBucket(ctx, js)
	if err != nil {
		return err
	}
	states, err := readStates(ctx, kv)
	if err != nil {
		return err
	}
	if asJSON {
		if states == nil {
			states = []tracker.State{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(states)
	}
	return writeTable(stdout, states, isTerminal(stdout))
}

// runWatch shows the status table live, redrawn from the bucket's watch.
func runWatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var n natsFlags
	o := newOptions("watch")
	o.fs.SetOutput(stderr)
	n.register(o)
	if err := o.load(args); err != nil {
		return err
	}
	js, closeNATS, err := n.jetstream("pbxalarm-watch")
	if err != nil {
		return err
	}
	defer closeNATS()
	kv, err := openBucket(ctx, js)
	if err != nil {
		return err
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	defer w.Stop()
	term := isTerminal(stdout)
	states := map[string]tracker.State{}
	draw := func() error {
		list := make([]tracker.State, 0, len(states))
		for _, s := range states {
			list = append(list, s)
		}
		sortByLock(list)
		if term {
			fmt.Fprint(stdout, "\x1b[H\x1b[2J") // home and clear
		} else {
			fmt.Fprintf(stdout, "-- %s\n", time.Now().UTC().Format(time.RFC3339))
		}
		return writeTable(stdout, list, term)
	}
	initial := true
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return nil
			}
			if e == nil { // the initial values are all in
				initial = false
				if err := draw(); err != nil {
					return err
				}
				continue
			}
			if e.Operation() != jetstream.KeyValuePut {
				delete(states, e.Key())
			} else {
				var st tracker.State
				if json.Unmarshal(e.Value(), &st) == nil {
					states[e.Key()] = st
				}
			}
			if !initial {
				if err := draw(); err != nil {
					return err
				}
			}
		}
	}
}
