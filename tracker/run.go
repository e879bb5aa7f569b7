package tracker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/licence"
)

// Bucket is the name of the key-value bucket of licence states.
const Bucket = "pbx_licence"

// BucketConfig is the bucket's configuration; its history keeps each
// system's recent levels for the board's timelines.
var BucketConfig = jetstream.KeyValueConfig{
	Bucket: Bucket, History: 64, Storage: jetstream.FileStorage,
	Description: "pbxalarm: licence state per PBX",
}

// Config configures a Tracker.
type Config struct {
	Prefix   string // subject prefix, default "pbx"
	Stream   string // default "PBX_EVENTS"
	Consumer string // durable consumer name, default "pbxalarm-tracker"
	// Schedules chooses each system's escalation schedule.
	Schedules Schedules
	// ReminderInterval is how long a system in violation may stay quiet
	// (in event time) before it is marked stale; default 25 h.
	ReminderInterval time.Duration
	Logger           *slog.Logger
	Clock            func() time.Time
}

// Tracker applies the event stream to the bucket.
type Tracker struct {
	js    jetstream.JetStream
	cfg   Config
	kv    jetstream.KeyValue
	fleet time.Time            // the latest event time seen: the fleet clock
	cache map[string]State     // last state written per key, for staleness
	stale map[string]time.Time // last event time a stale event was sent for
}

// New checks cfg and returns a tracker; Run starts it.
func New(js jetstream.JetStream, cfg Config) (*Tracker, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = events.DefaultPrefix
	}
	if cfg.Stream == "" {
		cfg.Stream = "PBX_EVENTS"
	}
	if cfg.Consumer == "" {
		cfg.Consumer = "pbxalarm-tracker"
	}
	if cfg.ReminderInterval <= 0 {
		cfg.ReminderInterval = 25 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	for sys, name := range cfg.Schedules.BySystem {
		if _, err := licence.LookupSchedule(name); err != nil {
			return nil, fmt.Errorf("tracker: schedule of %s: %w", sys, err)
		}
	}
	if cfg.Schedules.Default != "" {
		if _, err := licence.LookupSchedule(cfg.Schedules.Default); err != nil {
			return nil, fmt.Errorf("tracker: default schedule: %w", err)
		}
	}
	return &Tracker{js: js, cfg: cfg, cache: map[string]State{}, stale: map[string]time.Time{}}, nil
}

// Run consumes the stream until ctx ends, retrying while NATS, the stream
// or the bucket are not there yet.
func (t *Tracker) Run(ctx context.Context) error {
	delay := 100 * time.Millisecond
	for {
		err := t.run(ctx)
		if ctx.Err() != nil {
			return nil
		}
		t.cfg.Logger.Warn("tracker: restarting", "err", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(delay*2, 10*time.Second)
	}
}

func (t *Tracker) run(ctx context.Context) error {
	kv, err := t.js.CreateOrUpdateKeyValue(ctx, BucketConfig)
	if err != nil {
		return fmt.Errorf("tracker: bucket %s: %w", Bucket, err)
	}
	t.kv = kv
	p := t.cfg.Prefix
	cons, err := t.js.CreateOrUpdateConsumer(ctx, t.cfg.Stream, jetstream.ConsumerConfig{
		Durable:        t.cfg.Consumer,
		FilterSubjects: []string{p + ".*.licence.*", p + ".*.alarm.*", p + ".*.system.*"},
		AckPolicy:      jetstream.AckExplicitPolicy,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		MaxAckPending:  1, // in stream order, one at a time
	})
	if err != nil {
		return fmt.Errorf("tracker: consumer %s on %s: %w", t.cfg.Consumer, t.cfg.Stream, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("tracker: consume: %w", err)
	}
	defer it.Stop()
	go func() { <-ctx.Done(); it.Stop() }()
	lastCheck := time.Now()
	for {
		// Wake at least every second, so staleness is noticed when nothing
		// arrives at all.
		m, err := it.Next(jetstream.NextMaxWait(time.Second))
		if time.Since(lastCheck) >= time.Second || errors.Is(err, nats.ErrTimeout) {
			t.checkStale(ctx)
			lastCheck = time.Now()
		}
		if errors.Is(err, nats.ErrTimeout) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return ctx.Err()
			}
			return fmt.Errorf("tracker: next: %w", err)
		}
		if err := t.handle(ctx, m); err != nil {
			_ = m.Nak()
			return err
		}
		if err := m.Ack(); err != nil {
			return fmt.Errorf("tracker: ack: %w", err)
		}
	}
}

func (t *Tracker) handle(ctx context.Context, m jetstream.Msg) error {
	meta, err := m.Metadata()
	if err != nil {
		return fmt.Errorf("tracker: metadata: %w", err)
	}
	e, err := events.Unmarshal(m.Data())
	if err != nil {
		t.cfg.Logger.Warn("tracker: skipping an event that does not validate", "subject", m.Subject(), "err", err)
		return nil
	}
	if e.Time.After(t.fleet) {
		t.fleet = e.Time
	}
	key := events.SystemToken(e.Data.System)
	for attempt := 0; ; attempt++ {
		st, rev, err := t.get(ctx, key)
		if err != nil {
			return err
		}
		next, tr := Apply(st, &e, meta.Sequence.Stream, t.cfg.Schedules, t.cfg.Clock())
		if next.LastSeq == st.LastSeq && rev != 0 {
			return nil // applied already, by us before a restart or by another tracker
		}
		b, err := json.Marshal(next)
		if err != nil {
			return fmt.Errorf("tracker: encode state of %s: %w", key, err)
		}
		// The transition is published before the state is stored: if the
		// publish fails, nothing is stored and the redelivered event tries
		// again, so no transition is lost. Its id makes a repeat harmless.
		if tr != nil {
			if err := t.publish(ctx, tr.StateEvent()); err != nil {
				return err
			}
		}
		if rev == 0 {
			_, err = t.kv.Create(ctx, key, b)
		} else {
			_, err = t.kv.Update(ctx, key, b, rev)
		}
		if err != nil {
			if attempt < 10 && (errors.Is(err, jetstream.ErrKeyExists) || isWrongSequence(err)) {
				continue // another tracker wrote first: re-read and re-apply
			}
			return fmt.Errorf("tracker: store state of %s: %w", key, err)
		}
		t.cache[key] = next
		return nil
	}
}

func isWrongSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

func (t *Tracker) get(ctx context.Context, key string) (State, uint64, error) {
	entry, err := t.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return State{}, 0, nil
	}
	if err != nil {
		return State{}, 0, fmt.Errorf("tracker: read state of %s: %w", key, err)
	}
	var st State
	if err := json.Unmarshal(entry.Value(), &st); err != nil {
		return State{}, 0, fmt.Errorf("tracker: decode state of %s: %w", key, err)
	}
	return st, entry.Revision(), nil
}

// publish sends a state event with its id as Nats-Msg-Id, so the same
// transition from two trackers is stored once.
func (t *Tracker) publish(ctx context.Context, e events.Event) error {
	b, err := e.Marshal()
	if err != nil {
		return err
	}
	msg := nats.NewMsg(e.NATSSubject(t.cfg.Prefix))
	msg.Data = b
	if _, err := t.js.PublishMsg(ctx, msg, jetstream.WithMsgID(e.ID)); err != nil {
		return fmt.Errorf("tracker: publish %s: %w", e.Type, err)
	}
	return nil
}

// checkStale marks systems in violation that have been quiet, in event
// time, for longer than the reminder interval.
func (t *Tracker) checkStale(ctx context.Context) {
	now := t.fleet
	if wall := t.cfg.Clock(); wall.Sub(now) < 48*time.Hour {
		now = wall // event times are current: wall time counts too
	}
	for key, st := range t.cache {
		if !st.InViolation() || now.Sub(st.LastEventAt) <= t.cfg.ReminderInterval || t.stale[key].Equal(st.LastEventAt) {
			continue
		}
		if err := t.publish(ctx, StaleEvent(st, now)); err != nil {
			t.cfg.Logger.Warn("tracker: stale event not published", "system", st.System, "err", err)
			continue
		}
		t.stale[key] = st.LastEventAt
		cur, rev, err := t.get(ctx, key)
		if err == nil && rev != 0 && cur.LastSeq == st.LastSeq {
			cur.Stale = true
			if b, err := json.Marshal(cur); err == nil {
				_, _ = t.kv.Update(ctx, key, b, rev)
			}
		}
	}
}
