package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest"
)

// runTail prints events from the stream as they arrive: one line each, or
// the whole JSON document with --json.
func runTail(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := newOptions("tail")
	o.fs.SetOutput(stderr)
	var (
		n               natsFlags
		stream, subject string
		asJSON, all     bool
		count           int
	)
	n.register(o)
	o.fs.StringVar(&stream, "stream-name", "PBX_EVENTS", "JetStream stream")
	o.fs.StringVar(&subject, "subject", "pbx.>", "subject filter, e.g. 'pbx.*.licence.*'")
	o.fs.BoolVar(&asJSON, "json", false, "print each event as its JSON document")
	o.fs.BoolVar(&all, "all", false, "start from the first event in the stream, not the next one")
	o.fs.IntVar(&count, "count", 0, "exit after this many events (0: until interrupted)")
	if err := o.load(args); err != nil {
		return err
	}
	js, closeNATS, err := n.jetstream("pbxalarm-tail")
	if err != nil {
		return err
	}
	defer closeNATS()
	policy := jetstream.DeliverNewPolicy
	if all {
		policy = jetstream.DeliverAllPolicy
	}
	cons, ok := waitForStream(ctx, js, stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject}, DeliverPolicy: policy,
	}, time.Second, func(err error) {
		fmt.Fprintf(stderr, "waiting for stream %s at %s: %v\n", stream, ingest.RedactURLs(n.url), err)
	})
	if !ok {
		return nil
	}
	for i := 0; count == 0 || i < count; i++ {
		m, err := cons.Next(jetstream.FetchContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return fmt.Errorf("tail: %w", err)
		}
		if asJSON {
			fmt.Fprintln(stdout, strings.TrimSpace(string(m.Data())))
			continue
		}
		e, err := events.Unmarshal(m.Data())
		if err != nil {
			fmt.Fprintf(stdout, "%s  (invalid event: %v)\n", m.Subject(), err)
			continue
		}
		fmt.Fprintln(stdout, summary(&e))
	}
	return nil
}

// summary is one line for a person reading a terminal.
func summary(e *events.Event) string {
	d := &e.Data
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %-16s %-8s %-11s", e.Time.Format("2006-01-02 15:04:05"), d.System, d.Kind, d.Severity)
	if d.Kind == events.KindLicence {
		fmt.Fprintf(&b, " cause=%s", d.Cause)
		if d.Day > 0 {
			fmt.Fprintf(&b, " day=%d", d.Day)
		}
	}
	msg := d.Message
	if len(msg) > 100 {
		msg = msg[:97] + "..."
	}
	fmt.Fprintf(&b, "  [%s] %s", d.Transport, msg)
	return b.String()
}
