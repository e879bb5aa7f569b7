package tracker

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/publish"
)

func startNATS(t *testing.T) jetstream.JetStream {
	t.Helper()
	ctx := context.Background()
	srv, err := publish.StartEmbedded(ctx, publish.EmbeddedConfig{Host: "127.0.0.1", Port: -1, StoreDir: t.TempDir()}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(srv.Shutdown)
	nc, err := nats.Connect(srv.ClientURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	_, err = publish.EnsureStream(ctx, js, publish.StreamConfig{Name: "PBX_EVENTS", Subjects: []string{"pbx.>"}})
	require.NoError(t, err)
	return js
}

// scenario publishes a licence escalation for two systems, with alarms.
func publishScenario(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	cert, over := events.CauseCertificateUpdate, events.CauseLicenceOveruse
	evs := []events.Event{
		licenceEvent("HQ", events.TransportSyslog, events.SeverityWarning, cert, day(1), 1),
		licenceEvent("BRANCH", events.TransportSyslog, events.SeverityWarning, over, day(1), 1),
		licenceEvent("HQ", events.TransportSyslog, events.SeverityMinor, cert, day(3), 3),
		licenceEvent("HQ", events.TransportSNMP, events.SeverityMinor, cert, day(3), 0),
		licenceEvent("HQ", events.TransportSyslog, events.SeverityMajor, cert, day(8), 8),
		licenceEvent("BRANCH", events.TransportSyslog, events.SeverityCleared, over, day(9), 9),
		licenceEvent("HQ", events.TransportSyslog, events.SeverityCritical, cert, day(15), 15),
	}
	for _, e := range evs {
		b, err := e.Marshal()
		require.NoError(t, err)
		_, err = js.Publish(context.Background(), e.NATSSubject("pbx"), b, jetstream.WithMsgID(e.ID))
		require.NoError(t, err)
	}
}

// runTracker runs a tracker until ctx ends; the channel it returns is
// closed once Run has returned, and so once its pull subscription is gone.
func runTracker(t *testing.T, ctx context.Context, js jetstream.JetStream, consumer string) <-chan struct{} {
	t.Helper()
	tr, err := New(js, Config{Consumer: consumer, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = tr.Run(ctx)
	}()
	return done
}

func states(t *testing.T, js jetstream.JetStream) map[string]State {
	t.Helper()
	ctx := context.Background()
	kv, err := js.KeyValue(ctx, Bucket)
	require.NoError(t, err)
	out := map[string]State{}
	for _, k := range []string{"hq", "branch"} {
		e, err := kv.Get(ctx, k)
		require.NoError(t, err)
		var st State
		require.NoError(t, json.Unmarshal(e.Value(), &st))
		st.UpdatedAt = time.Time{} // wall clock of the write
		out[k] = st
	}
	return out
}

// waitDrained waits until each consumer has seen and acknowledged every
// event (state events are in the same stream, so sequences interleave).
func waitDrained(t *testing.T, js jetstream.JetStream, consumers ...string) {
	t.Helper()
	for _, name := range consumers {
		require.Eventually(t, func() bool {
			c, err := js.Consumer(context.Background(), "PBX_EVENTS", name)
			if err != nil {
				return false
			}
			info, err := c.Info(context.Background())
			return err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.Delivered.Consumer > 0
		}, 20*time.Second, 10*time.Millisecond, "consumer %s never drained", name)
	}
}

func stateEvents(t *testing.T, js jetstream.JetStream) int {
	t.Helper()
	st, err := js.Stream(context.Background(), "PBX_EVENTS")
	require.NoError(t, err)
	info, err := st.Info(context.Background(), jetstream.WithSubjectFilter("pbx.*.state.*"))
	require.NoError(t, err)
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	return n
}

// Two trackers at once agree on every state and store each transition once;
// a replay into an empty bucket rebuilds the same states.
func TestTracker_TwoTrackersAndReplayAgree(t *testing.T) {
	js := startNATS(t)
	publishScenario(t, js)
	ctx, cancel := context.WithCancel(context.Background())
	runTracker(t, ctx, js, "tracker-a")
	runTracker(t, ctx, js, "tracker-b")
	waitDrained(t, js, "tracker-a", "tracker-b")
	cancel()
	got := states(t, js)
	hq := got["hq"]
	assert.Equal(t, events.SeverityCritical, hq.Level)
	assert.Equal(t, events.SeveritySystemLock, hq.NextLevel)
	require.NotNil(t, hq.SystemLockAt)
	assert.Equal(t, time.Date(2020, 9, 11, 0, 0, 0, 0, time.UTC), *hq.SystemLockAt)
	assert.Equal(t, 2, hq.Sources["trap"].AlarmLevel)
	assert.Equal(t, events.SeverityCleared, got["branch"].Level)
	// HQ: cleared->warning->minor->major->critical; BRANCH: ->warning->cleared
	assert.Equal(t, 6, stateEvents(t, js), "each transition stored once although two trackers published it")

	// Replay: a fresh bucket and a new consumer from the stream's start.
	require.NoError(t, js.DeleteKeyValue(context.Background(), Bucket))
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	runTracker(t, ctx2, js, "tracker-replay")
	waitDrained(t, js, "tracker-replay")
	assert.Equal(t, got, states(t, js), "replaying the stream rebuilds the same states")
	assert.Equal(t, 6, stateEvents(t, js), "replayed transitions are not stored again")
}

// A tracker stopped mid-way and restarted resumes from its durable
// consumer and reaches the same state.
func TestTracker_RestartMidwayReachesTheSameState(t *testing.T) {
	js := startNATS(t)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := runTracker(t, ctx, js, "tracker-r")
	cert := events.CauseCertificateUpdate
	pub := func(e events.Event) {
		b, err := e.Marshal()
		require.NoError(t, err)
		_, err = js.Publish(context.Background(), e.NATSSubject("pbx"), b, jetstream.WithMsgID(e.ID))
		require.NoError(t, err)
	}
	pub(licenceEvent("HQ", events.TransportSyslog, events.SeverityWarning, cert, day(1), 1))
	waitDrained(t, js, "tracker-r")
	cancel()
	// Publishing before the tracker has let go of its pull request would
	// hand the next event to a subscription nobody reads, and the
	// restarted tracker would wait out the ack timeout for it.
	<-stopped
	pub(licenceEvent("HQ", events.TransportSyslog, events.SeverityMinor, cert, day(3), 3))
	pub(licenceEvent("HQ", events.TransportSyslog, events.SeverityMajor, cert, day(8), 8))
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	runTracker(t, ctx2, js, "tracker-r")
	waitDrained(t, js, "tracker-r")
	kv, err := js.KeyValue(context.Background(), Bucket)
	require.NoError(t, err)
	e, err := kv.Get(context.Background(), "hq")
	require.NoError(t, err)
	var st State
	require.NoError(t, json.Unmarshal(e.Value(), &st))
	assert.Equal(t, events.SeverityMajor, st.Level)
	assert.Equal(t, 8, st.Day)
}

// A system in violation that goes quiet for longer than the reminder
// interval, while the rest of the fleet's clock moves on, is marked stale
// and a pbx.state.stale event says so.
func TestTracker_QuietSystemInViolationGoesStale(t *testing.T) {
	js := startNATS(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runTracker(t, ctx, js, "tracker-s")
	pub := func(e events.Event) {
		b, err := e.Marshal()
		require.NoError(t, err)
		_, err = js.Publish(context.Background(), e.NATSSubject("pbx"), b, jetstream.WithMsgID(e.ID))
		require.NoError(t, err)
	}
	pub(licenceEvent("HQ", events.TransportSyslog, events.SeverityMinor, events.CauseLicenceOveruse, day(3), 3))
	// Another system speaks two days later (in event time): HQ has been
	// quiet for 48 h, more than the 25 h reminder interval.
	pub(licenceEvent("BRANCH", events.TransportSyslog, events.SeverityWarning, events.CauseLicenceOveruse, day(5), 1))
	require.Eventually(t, func() bool {
		st, err := js.Stream(context.Background(), "PBX_EVENTS")
		if err != nil {
			return false
		}
		info, err := st.Info(context.Background(), jetstream.WithSubjectFilter("pbx.hq.state.minor"))
		if err != nil {
			return false
		}
		kv, err := js.KeyValue(context.Background(), Bucket)
		if err != nil {
			return false
		}
		e, err := kv.Get(context.Background(), "hq")
		if err != nil {
			return false
		}
		var s State
		return json.Unmarshal(e.Value(), &s) == nil && s.Stale && info.State.Msgs >= 2
	}, 20*time.Second, 20*time.Millisecond, "HQ was never marked stale")
	cons, err := js.OrderedConsumer(context.Background(), "PBX_EVENTS", jetstream.OrderedConsumerConfig{FilterSubjects: []string{"pbx.hq.state.minor"}})
	require.NoError(t, err)
	var types []events.Type
	for {
		m, err := cons.Next(jetstream.FetchMaxWait(time.Second))
		if err != nil {
			break
		}
		e, err := events.Unmarshal(m.Data())
		require.NoError(t, err)
		types = append(types, e.Type)
	}
	assert.Equal(t, []events.Type{events.TypeStateEscalated, events.TypeStateStale}, types)
}
