package board

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// screenshotEnv names the file to write a PNG of the board to (docs/board.png).
const screenshotEnv = "PBXALARM_BOARD_SCREENSHOT"

// vnow is the emulator-like fleet's virtual "now".
var vnow = time.Date(2020, 9, 2, 12, 0, 0, 0, time.UTC)

// demoFleet puts six systems on the virtual 2020 clock, each through the
// levels it went through, so that the board rebuilds their timelines.
func demoFleet(t testing.TB, kv jetstream.KeyValue) {
	t.Helper()
	at := func(month time.Month, day, hour int) time.Time {
		return time.Date(2020, month, day, hour, 0, 0, 0, time.UTC)
	}
	lock2020 := at(9, 11, 0)
	type step struct {
		level string
		since time.Time
	}
	systems := []struct {
		key, name, release, cause, calls string
		first                            time.Time
		steps                            []step
		next                             string
		nextAt, lockAt                   time.Time
	}{
		{"mivb-hq", "MIVB-HQ", "7.0 SP1 PR2", "certificate_update", "normal", at(8, 21, 9),
			[]step{{"warning", at(8, 21, 9)}, {"minor", at(8, 23, 9)}, {"major", at(8, 28, 9)}}, "critical", at(9, 4, 9), lock2020},
		{"mivb-branch", "MIVB-BRANCH", "8.0 SP2", "certificate_update", "normal", at(8, 21, 14),
			[]step{{"warning", at(8, 21, 14)}, {"minor", at(8, 23, 14)}, {"major", at(8, 28, 14)}, {"critical", at(9, 1, 10)}}, "system_lock", lock2020, lock2020},
		{"mivb-lab", "MIVB-LAB", "9.0", "licence_overuse", "emergency_only", at(7, 20, 8),
			[]step{{"warning", at(7, 20, 8)}, {"minor", at(7, 22, 8)}, {"major", at(7, 27, 8)}, {"critical", at(8, 3, 8)}, {"system_lock", at(8, 25, 8)}}, "", time.Time{}, at(8, 25, 8)},
		{"mivb-warehouse", "MIVB-WAREHOUSE", "7.2", "licence_expired", "normal", at(9, 2, 8),
			[]step{{"warning", at(9, 2, 8)}}, "minor", at(9, 4, 8), at(10, 8, 8)},
		{"mivb-callcentre", "MIVB-CALLCENTRE", "9.0 SP2", "licence_overuse", "normal", at(8, 29, 11),
			[]step{{"warning", at(8, 29, 11)}, {"minor", at(8, 31, 11)}}, "major", at(9, 5, 11), at(10, 4, 11)},
		{"mivb-dc", "MIVB-DC", "9.0 SP3", "certificate_update", "normal", at(8, 21, 9),
			[]step{{"warning", at(8, 21, 9)}, {"minor", at(8, 23, 9)}, {"cleared", at(8, 25, 16)}}, "", time.Time{}, time.Time{}},
	}
	for _, s := range systems {
		for i, st := range s.steps {
			v := state(s.name, st.level, "release", s.release, "cause", s.cause, "calls", s.calls,
				"first_detected_at", s.first, "level_since", st.since,
				"day", int(st.since.Sub(s.first)/(24*time.Hour))+1, "updated_at", st.since)
			if i == len(s.steps)-1 {
				v["updated_at"] = vnow.Add(-time.Duration(len(s.key)) * time.Minute).Format(time.RFC3339)
				v["day"] = int(vnow.Sub(s.first)/(24*time.Hour)) + 1
				if s.next != "" {
					v["next_level"], v["next_escalation_at"] = s.next, s.nextAt.Format(time.RFC3339)
				}
				if !s.lockAt.IsZero() {
					v["system_lock_at"] = s.lockAt.Format(time.RFC3339)
				}
			}
			if st.level == "cleared" {
				delete(v, "cause")
				delete(v, "day")
			}
			put(t, kv, s.key, v)
		}
	}
}

// TestBoardInChromium_ShowsFleetAndFollowsEscalationLive loads the board
// in headless Chromium, checks it shows the fleet, escalates a system in
// the bucket and waits for its row to change without a reload.
func TestBoardInChromium_ShowsFleetAndFollowsEscalationLive(t *testing.T) {
	kv := newBucket(t, 10)
	demoFleet(t, kv)
	b, srv := startBoard(t, kv, WithTitle("NOC — MiVB licence board"))
	bctx := newBrowser(t)

	require.NoError(t, chromedp.Do(bctx,
		chromedp.EmulateViewport(1700, 1000),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#fleet")),
	))
	// The script has connected and drawn the snapshot.
	_, err := chromedp.Run(bctx, chromedp.Poll[bool](`document.querySelector('#conn.conn-live') !== null`, chromedp.WithPollingTimeout(wait)))
	require.NoError(t, err, "the page's event stream did not go live")
	rows, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#rows tr.row')].map(r => r.dataset.key)`))
	require.NoError(t, err)
	assert.Equal(t, []string{"mivb-lab", "mivb-branch", "mivb-hq", "mivb-callcentre", "mivb-warehouse", "mivb-dc"}, rows)
	clock, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#clock-label")))
	require.NoError(t, err)
	assert.Equal(t, "Fleet clock", clock, "virtual 2020 times count down on the fleet's clock")
	countdown, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#sys-mivb-hq td.lock time")))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(countdown, "in 8d "), "HQ locks on 11 Sep, 8 days after the fleet's 2 Sep: %q", countdown)

	// Mark this page: a reload would lose the mark.
	_, err = chromedp.Run(bctx, chromedp.Evaluate[bool](`window.__sameDocument = true`))
	require.NoError(t, err)

	put(t, kv, "mivb-hq", state("MIVB-HQ", "critical", "release", "7.0 SP1 PR2", "cause", "certificate_update",
		"calls", "normal", "first_detected_at", time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC), "day", 15,
		"level_since", vnow.Add(5*time.Minute), "next_level", "system_lock",
		"next_escalation_at", time.Date(2020, 9, 11, 0, 0, 0, 0, time.UTC),
		"system_lock_at", time.Date(2020, 9, 11, 0, 0, 0, 0, time.UTC), "updated_at", vnow.Add(5*time.Minute)))

	_, err = chromedp.Run(bctx, chromedp.Poll[bool](
		`document.querySelector('#sys-mivb-hq td.level .badge')?.textContent === 'Critical'`,
		chromedp.WithPollingTimeout(wait)))
	require.NoError(t, err, "the row did not change to Critical")
	same, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.__sameDocument === true`))
	require.NoError(t, err)
	assert.True(t, same, "the page updated without reloading")
	steps, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('#sys-mivb-hq svg.timeline rect.seg').length`))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, steps, 5, "HQ's timeline: detected, warning, minor, major, critical (and System Lock ahead)")

	// A client the board drops (as when it falls behind) reconnects by
	// itself and gets a fresh snapshot.
	require.Equal(t, uint64(1), b.Stats().Streams)
	dropAll(b)
	eventually(t, func() bool { return b.Stats().Streams == 2 }, "the page's new event stream")
	put(t, kv, "mivb-dc", state("MIVB-DC", "warning", "release", "9.0 SP3", "cause", "licence_overuse",
		"level_since", vnow.Add(6*time.Minute), "updated_at", vnow.Add(6*time.Minute)))
	_, err = chromedp.Run(bctx, chromedp.Poll[bool](
		`document.querySelector('#sys-mivb-dc td.level .badge')?.textContent === 'Warning'`,
		chromedp.WithPollingTimeout(wait)))
	require.NoError(t, err, "the page did not show the change after reconnecting")
	assert.Equal(t, 1, b.Stats().Clients)
	same, err = chromedp.Run(bctx, chromedp.Evaluate[bool](`window.__sameDocument === true`))
	require.NoError(t, err)
	assert.True(t, same, "the page reconnected without reloading")
	put(t, kv, "mivb-dc", state("MIVB-DC", "cleared", "release", "9.0 SP3",
		"level_since", vnow.Add(7*time.Minute), "updated_at", vnow.Add(7*time.Minute)))
	_, err = chromedp.Run(bctx, chromedp.Poll[bool](
		`document.querySelector('#sys-mivb-dc td.level .badge')?.textContent === 'Clear'`,
		chromedp.WithPollingTimeout(wait)))
	require.NoError(t, err)

	if path := os.Getenv(screenshotEnv); path != "" {
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, png, 0o644))
		t.Logf("screenshot written to %s", path)
	}
}

// TestBoardInChromium_FirstRenderWorksWithoutScript loads the board with
// script execution disabled: the server-rendered table must show the fleet.
func TestBoardInChromium_FirstRenderWorksWithoutScript(t *testing.T) {
	kv := newBucket(t, 10)
	demoFleet(t, kv)
	_, srv := startBoard(t, kv)
	bctx := newBrowser(t, chromedp.Flag("blink-settings", "scriptEnabled=false"))

	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#sys-mivb-hq"))))
	rows, err := chromedp.Run(bctx, chromedp.Nodes(chromedp.CSSAll("#rows tr.row")))
	require.NoError(t, err)
	assert.Len(t, rows, 6)
	level, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#sys-mivb-hq td.level .badge")))
	require.NoError(t, err)
	assert.Equal(t, "Major", level)
	conn, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#conn")))
	require.NoError(t, err)
	assert.Equal(t, "static", conn, "no script ran")
}

// newBrowser starts headless Chromium for one test. A missing browser
// fails the test: CI installs Debian's chromium.
func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium not found at %s (%v): install Debian's chromium package (apt-get install -y chromium)", chromiumPath, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1700, 1000),
	)
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancelBrowser)
	return bctx
}

// dropAll drops every event-stream client, as the board does with one
// that falls behind.
func dropAll(b *Board) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for c := range b.clients {
		b.disconnectLocked(c)
	}
}
