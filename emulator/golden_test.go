package emulator

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zones named in these tests must not depend on the host's zoneinfo

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
)

// goldenTargets sends everything once: one syslog target and traps.
var goldenTargets = Targets{Syslog: []string{"udp://receiver:514"}, SNMP: "receiver:162"}

// renderExpectations writes a line per message: when, who, what pbxalarm
// should make of it, and the message as sent (RFC 3164 for syslog).
func renderExpectations(p *plan, exp []Expectation) string {
	var b strings.Builder
	for _, e := range exp {
		fmt.Fprintf(&b, "%s %s %-6s %s/%s", e.At.Format(time.RFC3339), e.System, e.Transport, e.Kind, e.Severity)
		if e.Cause != "" {
			fmt.Fprintf(&b, " %s", e.Cause)
		}
		if e.Day > 0 {
			fmt.Fprintf(&b, " day %d", e.Day)
		}
		if !e.Recognised {
			b.WriteString(" unrecognised")
		}
		if e.ReadBack != nil {
			fmt.Fprintf(&b, " (read back: %s %s)", e.ReadBack.Kind, e.ReadBack.Cause)
		}
		text := e.Text
		if it := &p.items[e.Seq]; e.Transport == events.TransportSyslog && it.kind == itemRecord {
			text = string(syslogMessage(FormatRFC3164, e.System, it.rec))
		}
		fmt.Fprintf(&b, " | %s\n", text)
	}
	return b.String()
}

// TestGolden_Scenarios reads testdata/golden/<case>/scenario.yaml and
// compares what the fleet sends, and what pbxalarm should make of it,
// with expected.txt (-update rewrites it).
func TestGolden_Scenarios(t *testing.T) {
	dirs, err := filepath.Glob("testdata/golden/*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(dir, "scenario.yaml"))
			require.NoError(t, err)
			sc := mustParse(t, string(in))
			exp, err := Expect(sc, goldenTargets)
			require.NoError(t, err)
			got := renderExpectations(planOf(t, sc), exp)
			golden := filepath.Join(dir, "expected.txt")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), got)
		})
	}
}
