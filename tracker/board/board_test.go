package board

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testlog"
)

// smallFleet puts five systems in five situations; t0 is the board's clock.
// Their updated_at is wall time, so the board counts on the server clock.
func smallFleet(t testing.TB, kv jetstream.KeyValue, t0 time.Time) {
	t.Helper()
	now := time.Now()
	put(t, kv, "mivb-hq", state("MIVB-HQ", "minor", "cause", "certificate_update", "day", 3,
		"first_detected_at", t0.Add(-50*time.Hour), "level_since", t0.Add(-time.Hour),
		"next_level", "major", "next_escalation_at", t0.Add(4*24*time.Hour+23*time.Hour),
		"system_lock_at", t0.Add(18*24*time.Hour+15*time.Hour), "release", "7.0 SP1 PR2",
		"calls", "normal", "updated_at", now, "sources", []string{"syslog"}))
	put(t, kv, "mivb-branch", state("MIVB-BRANCH", "critical", "cause", "licence_overuse", "day", 15,
		"level_since", t0.Add(-24*time.Hour), "next_level", "system_lock",
		"next_escalation_at", t0.Add(2*24*time.Hour), "system_lock_at", t0.Add(2*24*time.Hour),
		"release", "8.0", "calls", "normal", "updated_at", now))
	put(t, kv, "mivb-lab", state("MIVB-LAB", "system_lock", "cause", "certificate_update", "day", 22,
		"level_since", t0.Add(-3*time.Hour), "release", "9.0 SP1", "calls", "emergency_only", "updated_at", now))
	put(t, kv, "mivb-dc", state("MIVB-DC", "cleared", "release", "9.0 SP3", "calls", "normal", "updated_at", now))
	put(t, kv, "mivb-old", state("MIVB-OLD", "warning", "cause", "licence_expired", "day", 1, "updated_at", now))
}

var fleetOrder = []string{"mivb-lab", "mivb-branch", "mivb-hq", "mivb-old", "mivb-dc"}

func fixedClock(t0 time.Time) Option { return WithClock(func() time.Time { return t0 }) }

func TestFleetAPI_ReturnsStatesSortedByTimeToSystemLock(t *testing.T) {
	kv := newBucket(t, 10)
	t0 := time.Now().UTC().Truncate(time.Second)
	smallFleet(t, kv, t0)
	_, srv := startBoard(t, kv, fixedClock(t0))

	got, code := getJSON[snapshotMessage](t, srv.URL+"/api/fleet")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, fleetOrder, keys(got.Systems))
	assert.Equal(t, "server", got.Mode)
	assert.True(t, got.Now.Equal(t0), "now %s, want the server clock %s", got.Now, t0)

	hq := got.Systems[2]
	assert.Equal(t, "MIVB-HQ", hq.Name)
	assert.Equal(t, "minor", hq.Level)
	assert.Equal(t, "Minor", hq.LevelLabel)
	assert.Equal(t, "Security certificate update", hq.CauseLabel)
	assert.Equal(t, 3, hq.Day)
	assert.Equal(t, "major", hq.NextLevel)
	assert.True(t, hq.SystemLockAt.Equal(t0.Add(18*24*time.Hour+15*time.Hour)))
	assert.Equal(t, "7.0 SP1 PR2", hq.Release)
	stored := decode[map[string]any](t, string(hq.State))
	assert.Equal(t, []any{"syslog"}, stored["sources"], "the stored value is passed on whole")
	assert.Equal(t, []string{"unobserved", "minor", "major", "system_lock"}, levelsOf(hq.Timeline))

	lab := got.Systems[0]
	assert.Equal(t, "emergency_only", lab.Calls)
	assert.Contains(t, lab.Meaning, "emergency")
}

func TestFleetAPI_CountsDownOnFleetClockWhenFleetTimesAreVirtual(t *testing.T) {
	kv := newBucket(t, 10)
	virtual := time.Date(2020, 8, 23, 9, 0, 0, 0, time.UTC)
	put(t, kv, "mivb-hq", state("MIVB-HQ", "minor", "updated_at", virtual,
		"system_lock_at", time.Date(2020, 9, 11, 0, 0, 0, 0, time.UTC)))
	put(t, kv, "mivb-old", state("MIVB-OLD", "warning", "updated_at", virtual.Add(-time.Hour)))
	wall := time.Now().UTC().Truncate(time.Second)
	_, srv := startBoard(t, kv, fixedClock(wall))

	got, _ := getJSON[snapshotMessage](t, srv.URL+"/api/fleet")
	assert.Equal(t, "fleet", got.Mode)
	assert.True(t, got.FleetTime.Equal(virtual), "fleet_time %s", got.FleetTime)
	assert.True(t, got.ServerTime.Equal(wall))
	var hq *System
	for _, s := range got.Systems {
		if s.Key == "mivb-hq" {
			hq = s
		}
	}
	require.NotNil(t, hq)
	// The fleet clock runs from the latest update at wall-clock pace.
	want := virtual.Add(wall.Sub(hq.StoredAt))
	assert.True(t, got.Now.Equal(want), "now %s, want %s", got.Now, want)
}

func TestPage_RendersFleetTableForReadersWithoutScript(t *testing.T) {
	kv := newBucket(t, 10)
	t0 := time.Now().UTC().Truncate(time.Second)
	smallFleet(t, kv, t0)
	_, srv := startBoard(t, kv, fixedClock(t0), WithTitle("Acme NOC"))

	resp, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'")
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	page := string(body)

	assert.Contains(t, page, "<title>Acme NOC</title>")
	var order []string
	for _, m := range regexp.MustCompile(`<tr id="sys-([^"]+)"`).FindAllStringSubmatch(page, -1) {
		order = append(order, m[1])
	}
	assert.Equal(t, fleetOrder, order)

	hq := rowHTML(t, page, "mivb-hq")
	for _, want := range []string{
		`class="row lvl-minor"`, ">MIVB-HQ<", ">7.0 SP1 PR2<", ">Minor<", "Alarms are raised; calls are not affected.",
		"Security certificate update", ">3<", ">Major<", ">in 4d 23h<", ">in 18d 15h<", ">Normal<",
		`<svg class="timeline"`, `class="seg lvl-minor"`, `class="seg lvl-major projected"`, `<line class="now"`,
	} {
		assert.Contains(t, hq, want)
	}
	lab := rowHTML(t, page, "mivb-lab")
	assert.Contains(t, lab, "In System Lock")
	assert.Contains(t, lab, "Emergency and attendant only")
	assert.Contains(t, lab, "Only emergency and attendant calls")
	assert.Contains(t, page, `<script src="assets/board.js"></script>`)
	for _, l := range Levels {
		assert.Contains(t, page, l.Meaning, "the legend explains every level")
	}
}

func rowHTML(t testing.TB, page, key string) string {
	t.Helper()
	i := strings.Index(page, `<tr id="sys-`+key+`"`)
	require.GreaterOrEqual(t, i, 0, "row %s", key)
	j := strings.Index(page[i:], "</tr>")
	require.Greater(t, j, 0)
	return page[i : i+j]
}

func TestPage_EscapesWhatPBXsSend(t *testing.T) {
	kv := newBucket(t, 10)
	put(t, kv, "evil", state(`<script>alert(1)</script>`, `"><img src=x>`, "release", `<b>9</b>`))
	_, srv := startBoard(t, kv)

	resp, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.NotContains(t, string(body), "<script>alert(1)")
	assert.NotContains(t, string(body), "<img src=x>")
	assert.NotContains(t, string(body), "<b>9</b>")
	assert.Contains(t, string(body), "&lt;script&gt;alert(1)&lt;/script&gt;")
}

func TestAssets_ServedFromTheBinaryWithNothingExternal(t *testing.T) {
	kv := newBucket(t, 10)
	_, srv := startBoard(t, kv)
	for path, typ := range map[string]string{"/": "text/html", "/assets/board.js": "javascript", "/assets/board.css": "text/css"} {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Contains(t, resp.Header.Get("Content-Type"), typ, path)
		// The SVG namespace is a name, not something loaded.
		text := strings.ReplaceAll(string(body), "'http://www.w3.org/2000/svg'", "")
		assert.False(t, externalURL.MatchString(text), "%s refers to an external URL: %s", path, externalURL.FindString(text))
	}
}

var externalURL = regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)

func TestHealthz_StartingUntilInitialValuesThenOK(t *testing.T) {
	kv := newBucket(t, 10)
	b := New(kv, WithLogger(quiet()))
	srv := newServer(t, b)
	got, code := getJSON[health](t, srv.URL+"/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "starting", got.Status)

	put(t, kv, "mivb-hq", state("MIVB-HQ", "minor"))
	runBoard(t, b)
	eventually(t, func() bool { return b.Stats().Ready }, "ready")
	got, code = getJSON[health](t, srv.URL+"/healthz")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, health{Status: "ok", Systems: 1}, got)
}

func TestRun_UnreadableValueShownAsUnknownAndCounted(t *testing.T) {
	kv := newBucket(t, 10)
	var logs testlog.Buffer
	put(t, kv, "mivb-hq", state("MIVB-HQ", "major"))
	putRaw(t, kv, "mivb-hq", []byte("\x00garbage{"))
	putRaw(t, kv, "mivb-new", []byte(`[1,2,3]`))
	put(t, kv, "mivb-odd", state("MIVB-ODD", "minor", "day", "three", "system_lock_at", "soon"))
	b, srv := startBoard(t, kv, WithLogger(logs.Logger(slog.LevelInfo)))

	got, _ := getJSON[snapshotMessage](t, srv.URL+"/api/fleet")
	bySys := map[string]*System{}
	for _, s := range got.Systems {
		bySys[s.Key] = s
	}
	require.Len(t, bySys, 3)
	assert.Equal(t, "major", bySys["mivb-hq"].Level, "a bad write keeps the last level read")
	assert.Equal(t, []string{"value is not a JSON object"}, bySys["mivb-hq"].Problems)
	assert.Equal(t, "unknown", bySys["mivb-new"].Level)
	assert.Equal(t, "minor", bySys["mivb-odd"].Level)
	assert.Equal(t, []string{"day: want a number", "system_lock_at: want an RFC 3339 time"}, bySys["mivb-odd"].Problems)
	st := b.Stats()
	assert.Equal(t, uint64(2), st.Unreadable)
	assert.Equal(t, uint64(1), st.Partial)
	assert.Contains(t, logs.String(), "not fully readable")
}

func TestRun_DeletedKeyLeavesTheBoard(t *testing.T) {
	kv := newBucket(t, 10)
	put(t, kv, "mivb-hq", state("MIVB-HQ", "minor"))
	put(t, kv, "mivb-dc", state("MIVB-DC", "major"))
	_, srv := startBoard(t, kv)
	ev := openEvents(t, srv.URL)
	require.Equal(t, "snapshot", ev.next(t).Name)

	ctx, cancel := contextWithWait()
	defer cancel()
	require.NoError(t, kv.Delete(ctx, "mivb-dc"))
	got := ev.next(t)
	require.Equal(t, "remove", got.Name)
	msg := decode[removeMessage](t, got.Data)
	assert.Equal(t, "mivb-dc", msg.Key)
	assert.Equal(t, []string{"mivb-hq"}, msg.Order)
	fleet, _ := getJSON[snapshotMessage](t, srv.URL+"/api/fleet")
	assert.Equal(t, []string{"mivb-hq"}, keys(fleet.Systems))
}

func TestRun_RebuildsTimelineFromBucketHistory(t *testing.T) {
	kv := newBucket(t, 10)
	d0 := time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC)
	for i, lvl := range []string{"warning", "minor", "minor", "major"} {
		put(t, kv, "mivb-hq", state("MIVB-HQ", lvl, "first_detected_at", d0,
			"level_since", d0.Add(time.Duration([]int{0, 2, 2, 7}[i])*24*time.Hour)))
	}
	_, srv := startBoard(t, kv)
	got, _ := getJSON[snapshotMessage](t, srv.URL+"/api/fleet")
	require.Len(t, got.Systems, 1)
	h := got.Systems[0].History
	assert.Equal(t, []string{"warning", "minor", "major"}, levelsOf(h))
	assert.True(t, h[2].At.Equal(d0.Add(7*24*time.Hour)))
}

func levelsOf(steps []Step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.Level
	}
	return out
}

func TestServe_UnknownPathAndMethod(t *testing.T) {
	kv := newBucket(t, 10)
	_, srv := startBoard(t, kv)
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{http.MethodGet, "/nope", http.StatusNotFound},
		{http.MethodPost, "/api/fleet", http.StatusMethodNotAllowed},
		{http.MethodGet, "/assets/missing.js", http.StatusNotFound},
	} {
		req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tc.code, resp.StatusCode, fmt.Sprintf("%s %s", tc.method, tc.path))
	}
}
