package loadgen

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestToken_FoundOnlyForItsRun(t *testing.T) {
	const run = "0a1b2c3d"
	tok := string(appendToken(nil, run, 42, 1234567*time.Nanosecond))
	assert.Equal(t, "pbxbench-0a1b2c3d-0000000042-000000001234567", tok)
	assert.Len(t, tok, tokenLen)
	f := newTokenFinder(run)
	for _, tc := range []struct {
		name     string
		in       string
		ok       bool
		seq      int
		sentNano int64
	}{
		{"in syslog text", "<134>1 ... Database backup completed " + tok, true, 42, 1234567},
		{"in JSON, twice", `{"raw":"x ` + tok + `","message":"` + tok + `"}`, true, 42, 1234567},
		{"largest values", string(appendToken(nil, run, 9999999999, 999999999999999)), true, 9999999999, 999999999999999},
		{"send time clamped", string(appendToken(nil, run, 1, 1<<62)), true, 1, maxSent},
		{"another run", string(appendToken(nil, "ffffffff", 42, 0)), false, 0, 0},
		{"truncated", tok[:len(tok)-1], false, 0, 0},
		{"not digits", "pbxbench-0a1b2c3d-00000000x2-000000001234567", false, 0, 0},
		{"no token", "MAINT 004730 Info", false, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq, sent, ok := f.find([]byte(tc.in))
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.seq, seq)
			assert.Equal(t, time.Duration(tc.sentNano), sent)
		})
	}
}

func TestSchedule_PacesAndStops(t *testing.T) {
	s := newSchedule(time.Now(), 3*time.Millisecond, 4, 1000)
	for want := range 4 {
		seq, due, ok := s.claim()
		assert.True(t, ok)
		assert.Equal(t, want, seq)
		assert.Equal(t, 3*time.Millisecond+time.Duration(want)*time.Millisecond, due, "message n is due n/rate after sending began")
	}
	_, _, ok := s.claim()
	assert.False(t, ok, "count reached")

	s = newSchedule(time.Now(), 0, 100, 0)
	_, due, ok := s.claim()
	assert.True(t, ok)
	assert.Zero(t, due, "rate 0: every message is due at once")
	s.stop()
	_, _, ok = s.claim()
	assert.False(t, ok, "stopped")
}

func TestPercentiles_NearestRank(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, Latency{P50: 50, P90: 90, P99: 99, Max: 100}, percentiles(d))
	assert.Equal(t, Latency{P50: 7, P90: 7, P99: 7, Max: 7}, percentiles([]time.Duration{7 * time.Millisecond}))
	assert.Equal(t, Latency{}, percentiles(nil))
}

func TestConfig_ValidateNamesTheFlag(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(*Config)
		want  string
	}{
		{"unknown proto", func(c *Config) { c.Proto = "smoke-signal" }, "proto:"},
		{"bad target", func(c *Config) { c.Target = "localhost" }, "target:"},
		{"zero count", func(c *Config) { c.Count = 0 }, "count:"},
		{"negative rate", func(c *Config) { c.Rate = -1 }, "rate:"},
		{"no duration", func(c *Config) { c.Duration = 0 }, "duration:"},
		{"no connections", func(c *Config) { c.Connections = 0 }, "connections:"},
		{"no wait", func(c *Config) { c.Wait = 0 }, "wait:"},
		{"bad format", func(c *Config) { c.Format = "rfc9999" }, "format:"},
		{"bad framing", func(c *Config) { c.Framing = "nul" }, "framing:"},
		{"v3 without a user", func(c *Config) { c.Proto = TrapV3 }, "snmp-user:"},
		{"no stream", func(c *Config) { c.Stream = "" }, "stream-name:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Defaults(UDP)
			tc.tweak(&c)
			assert.ErrorContains(t, c.Validate(), tc.want)
		})
	}
	c := Defaults(InformV3)
	c.Target = ""
	c.User.Name, c.User.Auth, c.User.AuthPass = "u", "SHA", "auth-pass-1"
	assert.NoError(t, c.Validate())
	assert.Equal(t, DefaultSNMPTarget, c.Target, "an empty target is the protocol's default")
}

// A v2c packet made from a template is the packet gosnmp encodes for the
// same message.
func TestTrapBuilder_TemplateMatchesGosnmp(t *testing.T) {
	for _, p := range []Proto{TrapV2c, InformV2c} {
		b := &trapBuilder{proto: p, run: "0badcafe", systems: systemNames(7), community: "public", start: time.Now()}
		for _, seq := range []int{0, 1, 2, 6, 7, 20, 1<<30 - 1} {
			sent := time.Duration(seq%1000) * 1234 * time.Microsecond
			got, err := b.build(seq, sent, requestID(seq))
			require.NoError(t, err)
			tp, _ := b.templates.Load(seq%7*3 + seq%3)
			want, err := b.marshal(seq, appendToken(nil, b.run, seq, sent), requestID(seq), tp.(*template).up)
			require.NoError(t, err)
			assert.Equal(t, want, got, "%s message %d", p, seq)
		}
	}
}
