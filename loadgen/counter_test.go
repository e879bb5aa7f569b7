package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
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

// The counter, fed events published straight into the stream, tells a
// run's messages from others, counts a second copy as a duplicate and an
// undecodable event as invalid (when it validates), and finds the tokens
// either way.
func TestCounter_TalliesWhatIsPublished(t *testing.T) {
	for _, tc := range []struct {
		validateEvery, wantInvalid int
	}{{1, 1}, {0, 0}} {
		t.Run(fmt.Sprintf("validate-every-%d", tc.validateEvery), func(t *testing.T) {
			testCounter(t, tc.validateEvery, tc.wantInvalid)
		})
	}
}

func testCounter(t *testing.T, validateEvery, wantInvalid int) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := publish.StartEmbedded(ctx, publish.EmbeddedConfig{Port: -1, StoreDir: t.TempDir()}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer srv.Shutdown()
	nc, err := nats.Connect(srv.ClientURL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	_, err = publish.EnsureStream(ctx, js, publish.StreamConfig{Name: "PBX_EVENTS"})
	require.NoError(t, err)

	const run, other = "0badcafe", "12345678"
	publishText := func(id, raw string) {
		e := events.New(events.Data{
			System: "BENCH-01", Kind: events.KindLog, Severity: events.SeverityInfo,
			Transport: events.TransportSyslog, Peer: "127.0.0.1:514", ReceivedAt: time.Now(), Message: raw,
		}, "127.0.0.1", []byte(raw), time.Time{})
		b, err := json.Marshal(&e)
		require.NoError(t, err)
		_, err = js.Publish(ctx, e.NATSSubject("pbx"), b, jetstream.WithMsgID(id))
		require.NoError(t, err)
	}
	token := func(r string, seq int) string {
		return "line " + string(appendToken(nil, r, seq, 0)) // sent at the run's start, so every latency is positive
	}
	// Before the counter starts: not counted.
	publishText("before", token(run, 3))

	c := Defaults(UDP)
	c.Count, c.ValidateEvery = 10, validateEvery
	cn, err := startCounter(ctx, js, &c, run, time.Now(), 5*time.Second)
	require.NoError(t, err)
	defer cn.close()
	publishText("a", token(run, 0))
	publishText("b", token(run, 1))
	publishText("b-again", token(run, 1)) // another id: JetStream keeps both
	publishText("c", "no token here")
	publishText("d", token(other, 2))
	publishText("e", token(run, 99)) // beyond the run's count
	_, err = js.Publish(ctx, "pbx.bench-01.log.info", []byte(`{"not an event": "`+token(run, 2)+`"}`), jetstream.WithMsgID("f"))
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		cn.mu.Lock()
		defer cn.mu.Unlock()
		return cn.seen == 7
	}, 10*time.Second, 5*time.Millisecond, "the counter saw every event")
	cn.close()
	assert.Equal(t, 3, cn.distinct, "0, 1 and 2")
	assert.Equal(t, 1, cn.duplicates)
	assert.Equal(t, 3, cn.foreign, "no token, another run's, out of range")
	assert.Equal(t, wantInvalid, cn.invalid)
	if wantInvalid > 0 {
		assert.ErrorContains(t, cn.firstBad, "event f on pbx.bench-01.log.info")
	}
	assert.True(t, cn.arrived.has(0) && cn.arrived.has(1) && cn.arrived.has(2))
	assert.False(t, cn.arrived.has(3), "published before the run began")
	require.Len(t, cn.latencies, 3)
	for _, l := range cn.latencies {
		assert.Positive(t, l)
	}

	// What the report makes of it, had 0, 1, 2 and 4 been sent.
	st := &sendState{sent: newBitset(c.Count)}
	for _, seq := range []int{0, 1, 2, 4} {
		st.markSent(seq)
	}
	var r Report
	fill(&r, st, cn, &informStats{}, 0, time.Second, false)
	assert.Equal(t, 4, r.Sent)
	assert.Equal(t, 3, r.Received)
	assert.Equal(t, 1, r.Lost)
	assert.InDelta(t, 25.0, r.LostPercent, 1e-9)
	assert.Equal(t, 1, r.Duplicates)
	assert.Equal(t, 0, r.ArrivedUnsent)
}
