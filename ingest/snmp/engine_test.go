package snmp

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadEngine_PersistsIDAndCountsBoots(t *testing.T) {
	dir := t.TempDir()
	var first []byte
	for boot := uint32(1); boot <= 3; boot++ {
		e, err := loadEngine(nil, dir, time.Now)
		require.NoError(t, err)
		assert.Equal(t, boot, e.boots)
		if first == nil {
			first = e.id
		}
		assert.Equal(t, first, e.id, "the engine ID survives restarts")
		assert.Len(t, e.id, 17)
		assert.Equal(t, byte(0x80), e.id[0])
	}
	// A configured ID other than the kept one is a new engine: boots start again.
	other, _ := hex.DecodeString("800000000501020304")
	e, err := loadEngine(other, dir, time.Now)
	require.NoError(t, err)
	assert.Equal(t, other, e.id)
	assert.EqualValues(t, 1, e.boots)
	e, err = loadEngine(other, dir, time.Now)
	require.NoError(t, err)
	assert.EqualValues(t, 2, e.boots)
}

func TestLoadEngine_WithoutDataDirGeneratesEachTime(t *testing.T) {
	a, err := loadEngine(nil, "", time.Now)
	require.NoError(t, err)
	b, err := loadEngine(nil, "", time.Now)
	require.NoError(t, err)
	assert.NotEqual(t, a.id, b.id)
	assert.EqualValues(t, 1, a.boots)
}

func TestLoadEngine_RejectsBadState(t *testing.T) {
	for _, tc := range []struct{ name, content string }{
		{"not JSON", "boots=3"},
		{"short engine ID", `{"engine_id":"8000","boots":3}`},
		{"not hex", `{"engine_id":"zz000000000000","boots":3}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, engineFile)
			require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o600))
			_, err := loadEngine(nil, dir, time.Now)
			require.Error(t, err)
			assert.Contains(t, err.Error(), path)
		})
	}
	_, err := loadEngine([]byte{1, 2, 3}, "", time.Now)
	assert.Error(t, err, "engine IDs are 5 to 32 octets")
}

func TestLocalEngine_TimeWindow(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e := &localEngine{boots: 4, start: now.Add(-1000 * time.Second), now: func() time.Time { return now }}
	for _, tc := range []struct {
		boots, time int64
		in          bool
	}{
		{4, 1000, true},
		{4, 850, true},
		{4, 1150, true},
		{4, 849, false},
		{4, 1151, false},
		{3, 1000, false},
		{5, 1000, false},
	} {
		assert.Equal(t, tc.in, e.inTimeWindow(tc.boots, tc.time), "boots %d time %d", tc.boots, tc.time)
	}
}

// A sender that cached our engine time before a restart (or got it
// wrong) is told the right boots and time with a Report and resends.
func TestReceiver_V3InformOutsideTimeWindowIsReportedAndResent(t *testing.T) {
	dir := t.TempDir()
	for boot := 1; boot <= 2; boot++ {
		c := newCollector()
		r := serve(t, c, append(testUsers(t), WithDataDir(dir))...)
		engine := hex.EncodeToString(r.EngineID())
		// The sender believes boots is 1 and time 5000: right boots the
		// first time, but the time is off; both are off after the restart.
		args := append(authPrivSHA.args(), "-e", engine, "-Z", "1,5000", "-t", "2", "-r", "1")
		out, err := run(t, "snmpinform", append(args, alarmArgs(target(r))...)...)
		require.NoError(t, err, out)
		n := c.next(t)
		assert.Equal(t, "inform", n.SNMP.PDU)
		// The Response is counted once written, which may be just after
		// snmpinform has read it and exited.
		require.Eventually(t, func() bool { return r.Stats().Snapshot()["informs_answered"] == 1 },
			10*time.Second, 5*time.Millisecond, "the inform was never counted as answered")
		st := r.Stats().Snapshot()
		assert.EqualValues(t, 1, st["rejected_not_in_time_window"])
		assert.EqualValues(t, 1, st["reports_sent"])
		assert.EqualValues(t, 1, st["informs_answered"])
		assert.EqualValues(t, boot, r.dec.engine.boots)
	}
}
