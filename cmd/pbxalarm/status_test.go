package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest"
	"github.com/pbxalarm/pbxalarm/internal/testlog"
	"github.com/pbxalarm/pbxalarm/tracker"
)

// serveWithTracker runs serve with its tracker and sends it records; it
// returns the NATS URL and a function that sends more.
func serveWithTracker(t *testing.T, lines ...string) (string, func(string)) {
	t.Helper()
	svc := startServe(t, func(*ingest.Config) {})
	conn, err := net.Dial("tcp", svc.Addrs().SyslogTCP.String())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	send := func(l string) {
		_, err := conn.Write([]byte(l + "\n"))
		require.NoError(t, err)
	}
	for _, l := range lines {
		send(l)
	}
	return svc.Addrs().NATS, send
}

const (
	hqMinor     = "<132>Aug 23 09:00:00 MIVB-HQ MiVB: MAINT 004713 Warning 2020/08/23 09:00:00 src=LicenseMgr mod=LMS: License Violation - level Minor, day 3; cause: Security Certificate Update not installed; first detected 2020/08/21 09:00:00"
	branchMajor = "<131>Aug 28 09:00:00 BRANCH MiVB: MAINT 000100 Error 2020/08/28 09:00:00 src=LicenseMgr mod=LMS: License Violation - level Major, day 8; cause: license over-allocation (IP User 130/120); first detected 2020/08/21 08:00:00"
)

func TestStatus_TableSortedByLockAndJSON(t *testing.T) {
	url, _ := serveWithTracker(t, hqMinor, branchMajor)
	var states []tracker.State
	require.Eventually(t, func() bool {
		var out bytes.Buffer
		if runStatus(context.Background(), []string{"--nats-url", url, "--json"}, &out, io.Discard) != nil {
			return false
		}
		return json.Unmarshal(out.Bytes(), &states) == nil && len(states) == 2
	}, 30*time.Second, 50*time.Millisecond, "the tracker never stored both systems")
	assert.Equal(t, "MIVB-HQ", states[0].System, "HQ locks on 11 September, BRANCH on day 36 (26 September): HQ first")
	assert.Equal(t, events.SeverityMinor, states[0].Level)
	assert.Equal(t, events.SeverityMajor, states[1].Level)
	assert.Equal(t, events.CauseLicenceOveruse, states[1].Cause)

	var out bytes.Buffer
	require.NoError(t, runStatus(context.Background(), []string{"--nats-url", url}, &out, io.Discard))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3)
	assert.Regexp(t, `^SYSTEM\s+RELEASE\s+LEVEL\s+CAUSE\s+DAY\s+NEXT ESCALATION\s+LOCK AT\s+CALLS$`, lines[0])
	assert.Regexp(t, `^MIVB-HQ\s+-\s+minor\s+certificate_update\s+3\s+major 2020-08-28 09:00\s+2020-09-11 00:00\s+normal$`, lines[1])
	assert.Regexp(t, `^BRANCH\s+-\s+major\s+licence_overuse\s+8\s+critical 2020-09-04 08:00\s+2020-09-26 08:00\s+normal$`, lines[2])
}

func TestWatch_PrintsTheTableAndUpdates(t *testing.T) {
	url, send := serveWithTracker(t, hqMinor)
	require.Eventually(t, func() bool {
		var out bytes.Buffer
		return runStatus(context.Background(), []string{"--nats-url", url}, &out, io.Discard) == nil &&
			strings.Contains(out.String(), "MIVB-HQ")
	}, 30*time.Second, 50*time.Millisecond)
	var out testlog.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runWatch(ctx, []string{"--nats-url", url}, &out, io.Discard) }()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "MIVB-HQ") }, 10*time.Second, 20*time.Millisecond)
	assert.NotContains(t, out.String(), "\x1b[", "plain text when not on a terminal")
	send(branchMajor)
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "BRANCH") }, 10*time.Second, 20*time.Millisecond,
		"a new system appears without restarting watch")
	cancel()
	require.NoError(t, <-done)
}
