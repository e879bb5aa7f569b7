package ingest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/emulator"
)

const chromium = "/usr/bin/chromium"

// The board served by serve, open in headless Chromium while the emulated
// cert-2020 fleet plays: the fleet appears on the page and its systems
// escalate to System Lock live, without the page being reloaded.
func TestBoardInChromium_ShowsTheEmulatedFleetEscalating(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("Chromium not found at %s (%v): install Debian's chromium package; .ci/run does", chromium, err)
	}
	sc, err := emulator.Load("cert-2020")
	require.NoError(t, err)
	opts := []emulator.Option{emulator.WithSpeed(sc.End.Sub(sc.Start).Seconds() / 12), emulator.WithLinger(time.Second)}
	names, err := emulator.Systems(sc, opts...)
	require.NoError(t, err)
	cfg := testConfig(t)
	cfg.HTTP, cfg.Track, cfg.Systems = "127.0.0.1:0", true, names
	r := startService(t, cfg)
	a := r.svc.Addrs()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	defer cancelBrowser()

	url := "http://" + a.HTTP.String() + "/"
	require.Eventually(t, func() bool {
		resp, err := chromedp.RunResponse(bctx, chromedp.Navigate(url))
		return err == nil && resp != nil && resp.Status == 200
	}, 30*time.Second, 200*time.Millisecond, "the board never loaded")
	_, err = chromedp.Run(bctx, chromedp.Evaluate[bool](`window.__loadedOnce = true`))
	require.NoError(t, err)

	go func() {
		_, _ = emulator.Run(ctx, sc, emulator.Targets{Syslog: []string{"tcp+octet://" + a.SyslogTCP.String()}}, opts...)
	}()

	text := func() string {
		s, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.body.innerText`))
		return s
	}
	require.Eventually(t, func() bool { return strings.Contains(text(), "PBX-AMS-07") }, time.Minute, 100*time.Millisecond,
		"the emulated fleet never appeared on the board")
	require.Eventually(t, func() bool {
		body := text()
		i := strings.Index(body, "PBX-AMS-07")
		return i >= 0 && strings.Contains(body, "System Lock") && strings.Contains(body, "Emergency")
	}, time.Minute, 100*time.Millisecond, "the board never showed a system reaching System Lock")
	same, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.__loadedOnce === true`))
	require.NoError(t, err)
	assert.True(t, same, "the page updated live, without a reload")
}
