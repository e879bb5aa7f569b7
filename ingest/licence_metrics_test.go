package ingest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/tracker"
)

// Each PBX's licence state reaches /metrics, with the web board off: the
// level as a number, the day, and the predicted escalation and System Lock
// times, so that alerts can be written in Prometheus.
func TestMetrics_LicenceStatePerPBX(t *testing.T) {
	cfg := testConfig(t)
	cfg.Metrics = "127.0.0.1:0"
	cfg.Track = true
	r := startService(t, cfg)
	conn, err := net.Dial("tcp", r.svc.Addrs().SyslogTCP.String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte(
		"<132>Aug 23 09:00:00 MIVB-HQ MiVB: MAINT 004713 Warning 2020/08/23 09:00:00 src=LicenseMgr mod=LMS: License Violation - level Minor, day 3; cause: Security Certificate Update not installed; first detected 2020/08/21 09:00:00\n" +
			"<131>Aug 28 09:00:00 BRANCH MiVB: MAINT 000100 Error 2020/08/28 09:00:00 src=LicenseMgr mod=LMS: License Violation - level Major, day 8; cause: license over-allocation (IP User 130/120); first detected 2020/08/21 08:00:00\n"))
	require.NoError(t, err)

	var m scrape
	require.Eventually(t, func() bool {
		m = scrapeMetrics(t, r.svc)
		_, hq := m.sample("pbxalarm_licence_level", "system", "mivb-hq")
		_, branch := m.sample("pbxalarm_licence_level", "system", "branch")
		return hq && branch
	}, 30*time.Second, 50*time.Millisecond, "the licence states never reached the metrics")
	assert.Equal(t, 1.0, m.value(t, "pbxalarm_licence_view_ready"))
	assert.Equal(t, 2.0, m.value(t, "pbxalarm_licence_level", "system", "mivb-hq"), "Minor")
	assert.Equal(t, 3.0, m.value(t, "pbxalarm_licence_violation_day", "system", "mivb-hq"))
	assert.Equal(t, 3.0, m.value(t, "pbxalarm_licence_level", "system", "branch"), "Major")
	assert.Equal(t, 8.0, m.value(t, "pbxalarm_licence_violation_day", "system", "branch"))
	// The 2020 certificate deadline: System Lock on 11 September 2020.
	lock := time.Date(2020, 9, 11, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, float64(lock.Unix()), m.value(t, "pbxalarm_licence_system_lock_timestamp_seconds", "system", "mivb-hq"))
	next := m.value(t, "pbxalarm_licence_next_escalation_timestamp_seconds", "system", "mivb-hq")
	assert.Greater(t, next, float64(time.Date(2020, 8, 23, 9, 0, 0, 0, time.UTC).Unix()), "Major comes after the Minor record")
	assert.LessOrEqual(t, next, float64(lock.Unix()))
	assert.Equal(t, 0.0, m.value(t, "pbxalarm_licence_stale", "system", "mivb-hq"))
	assert.Equal(t, 0.0, m.value(t, "pbxalarm_licence_level_uncertain", "system", "branch"))

	// A value in the bucket that is not a state (written by hand, or by a
	// newer tracker) costs its own series only: the scrape still works.
	nc, err := nats.Connect(r.svc.Addrs().NATS)
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	kv, err := js.KeyValue(context.Background(), tracker.Bucket)
	require.NoError(t, err)
	_, err = kv.Put(context.Background(), "junk", []byte("\xff not json"))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		m = scrapeMetrics(t, r.svc)
		_, ok := m.sample("pbxalarm_licence_violation_day", "system", "junk")
		return ok
	}, 30*time.Second, 50*time.Millisecond, "the unreadable value never reached the board's view")
	_, ok := m.sample("pbxalarm_licence_level", "system", "junk")
	assert.False(t, ok, "no level for a value that has none")
	assert.Equal(t, 2.0, m.value(t, "pbxalarm_licence_level", "system", "mivb-hq"))
}
