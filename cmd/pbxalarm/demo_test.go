package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

// The demo plays the certificate scenario through serve and shows the
// escalation arriving, then what each system went through.
func TestDemo_ShowsTheEscalationAndASummary(t *testing.T) {
	var out, errs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := runDemo(ctx, []string{"--duration", "8s", "--nats-listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
		"--agent-port", strconv.Itoa(testnet.FreePort(t, "udp")), "--logstream-port", strconv.Itoa(testnet.FreePort(t, "tcp"))}, &out, &errs)
	require.NoError(t, err, "stderr: %s", &errs)
	text := out.String()
	assert.Contains(t, text, "pbxalarm demo: scenario cert-2020")
	assert.Regexp(t, `board http://127\.0\.0\.1:\d+/`, text, "the demo opens with the board's address")
	for _, want := range []string{"state    system_lock", "licence  warning", "licence  minor", "licence  major", "licence  critical", "licence  system_lock", "licence  cleared"} {
		assert.Contains(t, text, want, "the live view shows each level")
	}
	assert.Contains(t, text, "PBX-LON-01", "summary names the systems")
	assert.Regexp(t, `System Lock 2020-09-11`, text, "the summary shows the lock on 11 September")
	assert.Regexp(t, `pbx\.licence\.violation [1-9]`, text, "counts of events on NATS")
	assert.False(t, strings.Contains(text, "\x1b["), "no colour when not on a terminal")
	m := regexp.MustCompile(`(?s)Events on NATS: (.*)\n\(the fleet sent (\d+) messages`).FindStringSubmatch(text)
	require.NotNil(t, m, "the closing counts")
	var total int
	for _, f := range regexp.MustCompile(`(pbx\.[a-z.]+) (\d+)`).FindAllStringSubmatch(m[1], -1) {
		if !strings.HasPrefix(f[1], "pbx.state.") {
			n, _ := strconv.Atoi(f[2])
			total += n
		}
	}
	assert.Equal(t, m[2], strconv.Itoa(total), "every message the fleet sent is an event on NATS")
	assert.Regexp(t, `Licence state per PBX[^\n]*\nSYSTEM +RELEASE +LEVEL`, text, "the demo ends with the status table")
	assert.Regexp(t, `PBX-AMS-07 +5\.0 SP2 PR2 +system_lock +certificate_update`, text)
	// Records carry the fleet's 2020 dates, traps the wall clock: the
	// patched systems must still end cleared.
	assert.Regexp(t, `PBX-NYC-02 +8\.0 SP1 +cleared`, text)
	assert.Regexp(t, `PBX-LON-01 +9\.0 SP2 +cleared`, text)
}
