package ingest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/emulator"
	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/tracker"
)

// The emulated cert-2020 fleet drives serve's tracker: the bucket ends
// with each system where the fleet left it, with the 2020 lock date, and
// the state events tell each unpatched system's escalation in order, and
// /metrics shows each system's final level.
func TestEmulator_TrackerFollowsTheCert2020Fleet(t *testing.T) {
	sc, err := emulator.Load("cert-2020")
	require.NoError(t, err)
	opts := []emulator.Option{emulator.WithInstant(), emulator.WithLinger(time.Second)}
	names, err := emulator.Systems(sc, opts...)
	require.NoError(t, err)
	cfg := testConfig(t)
	cfg.Track = true
	cfg.Systems = names
	cfg.Metrics = "127.0.0.1:0"
	r := startService(t, cfg)
	a := r.svc.Addrs()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sum, err := emulator.Run(ctx, sc, emulator.Targets{Syslog: []string{"tcp+octet://" + a.SyslogTCP.String()}}, opts...)
	require.NoError(t, err)

	nc, err := nats.Connect(a.NATS)
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st, err := js.Stream(ctx, "PBX_EVENTS")
		if err != nil {
			return false
		}
		info, err := st.Info(ctx, jetstream.WithSubjectFilter("pbx.*.licence.*"))
		if err != nil {
			return false
		}
		c, err := js.Consumer(ctx, "PBX_EVENTS", "pbxalarm-tracker")
		if err != nil {
			return false
		}
		ci, err := c.Info(ctx)
		return err == nil && r.svc.Pipeline().Stats().Published.Load() >= uint64(sum.Sent.Total()) &&
			ci.NumPending == 0 && ci.NumAckPending == 0 && info.State.Msgs > 0
	}, 2*time.Minute, 50*time.Millisecond, "the tracker never caught up")

	kv, err := js.KeyValue(ctx, tracker.Bucket)
	require.NoError(t, err)
	get := func(system string) tracker.State {
		e, err := kv.Get(ctx, events.SystemToken(system))
		require.NoError(t, err, system)
		var st tracker.State
		require.NoError(t, json.Unmarshal(e.Value(), &st))
		return st
	}
	lock := time.Date(2020, 9, 11, 0, 0, 0, 0, time.UTC)
	for _, sys := range []string{"PBX-AMS-07", "PBX-DUB-08"} {
		st := get(sys)
		assert.Equal(t, events.SeveritySystemLock, st.Level, sys)
		assert.Equal(t, tracker.CallsEmergencyOnly, st.Calls, sys)
		assert.Equal(t, events.CauseCertificateUpdate, st.Cause, sys)
		require.NotNil(t, st.SystemLockAt, sys)
		assert.Equal(t, lock, st.SystemLockAt.UTC().Truncate(24*time.Hour), sys)
	}
	for _, sys := range []string{"PBX-LON-01", "PBX-NYC-02", "PBX-MAD-05"} {
		st := get(sys)
		assert.Equal(t, events.SeverityCleared, st.Level, "%s was patched or upgraded", sys)
		assert.Nil(t, st.SystemLockAt, "%s: no countdown once cleared", sys)
	}

	wantLevel := map[string]float64{"pbx-ams-07": 5, "pbx-dub-08": 5, "pbx-lon-01": 0, "pbx-nyc-02": 0, "pbx-mad-05": 0}
	require.Eventually(t, func() bool {
		m := scrapeMetrics(t, r.svc)
		for sys, want := range wantLevel {
			got, ok := m.sample("pbxalarm_licence_level", "system", sys)
			if !ok || got.GetGauge().GetValue() != want {
				return false
			}
		}
		return true
	}, 30*time.Second, 100*time.Millisecond, "/metrics never showed the fleet's final levels %v", wantLevel)
	m := scrapeMetrics(t, r.svc)
	for _, sys := range []string{"pbx-ams-07", "pbx-dub-08"} {
		at := time.Unix(int64(m.value(t, "pbxalarm_licence_system_lock_timestamp_seconds", "system", sys)), 0)
		assert.Equal(t, lock, at.UTC().Truncate(24*time.Hour), sys) // as in the bucket: when the lock was seen
	}
	_, predicted := m.sample("pbxalarm_licence_system_lock_timestamp_seconds", "system", "pbx-lon-01")
	assert.False(t, predicted, "no System Lock time for a cleared system")

	// PBX-AMS-07's level changes, in order: every level to System Lock.
	cons, err := js.OrderedConsumer(ctx, "PBX_EVENTS", jetstream.OrderedConsumerConfig{FilterSubjects: []string{"pbx.pbx-ams-07.state.*"}})
	require.NoError(t, err)
	var levels []events.Severity
	var trail []string
	var lastNext *time.Time
	for {
		m, err := cons.Next(jetstream.FetchMaxWait(2 * time.Second))
		if err != nil {
			break
		}
		e, err := events.Unmarshal(m.Data())
		require.NoError(t, err)
		if e.Type == events.TypeStateStale {
			// Instant replay interleaves the systems' connections, so the
			// fleet clock may run a day ahead of one system: stale events
			// are fair there, and are not level changes.
			continue
		}
		levels = append(levels, e.Data.State.Level)
		trail = append(trail, string(e.Data.State.PreviousLevel)+"->"+string(e.Data.State.Level)+"@"+e.Time.Format(time.RFC3339)+" id "+e.ID)
		if e.Data.State.Level == events.SeverityMajor {
			lastNext = e.Data.State.NextEscalationAt
		}
	}
	assert.Equal(t, []events.Severity{events.SeverityWarning, events.SeverityMinor, events.SeverityMajor,
		events.SeverityCritical, events.SeveritySystemLock}, levels, "state events: %v", trail)
	require.NotNil(t, lastNext, "the Major transition predicts Critical")
	assert.Equal(t, 2020, lastNext.Year())
}
