package board

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/decode")

// goldenStored is the store time every golden case is read with.
var goldenStored = time.Date(2020, 8, 23, 9, 0, 2, 0, time.UTC)

// TestDecode_Golden reads each testdata/decode/<case>/value as the board
// would and compares the row it makes with expected.json.
func TestDecode_Golden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "decode", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			value, err := os.ReadFile(filepath.Join(dir, "value"))
			require.NoError(t, err)
			f := newFleet(8)
			sys, changed, _ := f.put("case", 1, goldenStored, value)
			require.True(t, changed)
			got, err := json.MarshalIndent(sys, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			want := filepath.Join(dir, "expected.json")
			if *update {
				require.NoError(t, os.WriteFile(want, got, 0o644))
			}
			exp, err := os.ReadFile(want)
			require.NoError(t, err, "run go test -update to write it")
			assert.Equal(t, string(exp), string(got))
		})
	}
}

func TestDecode_OversizeValueReadButNotPassedOn(t *testing.T) {
	v := `{"system":"MIVB-BIG","level":"major","pad":"` + strings.Repeat("x", maxPassBytes) + `"}`
	sys, _, unreadable := newFleet(8).put("big", 1, goldenStored, []byte(v))
	assert.False(t, unreadable)
	assert.Equal(t, "major", sys.Level)
	assert.Nil(t, sys.State)
	assert.Equal(t, []string{"state: value over 64 KiB, not passed on"}, sys.Problems)
}

// FuzzDecodeState feeds bucket values (bytes another process wrote) to the
// board: it must never panic, and what it sends must stay one line of JSON.
func FuzzDecodeState(f *testing.F) {
	dirs, _ := filepath.Glob(filepath.Join("testdata", "decode", "*", "value"))
	for _, p := range dirs {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		fl := newFleet(4)
		sys, _, unreadable := fl.put("k", 1, goldenStored, value)
		if _, err := decodeState(value); (err != nil) != unreadable {
			t.Fatalf("decodeState error %v but unreadable %v", err, unreadable)
		}
		fl.put("k", 2, goldenStored.Add(time.Second), value)
		msg := frame("update", updateMessage{Clock: fl.clock(goldenStored), System: sys, Order: keys(fl.sorted())})
		lines := bytes.Split(bytes.TrimSuffix(msg, []byte("\n\n")), []byte("\n"))
		if len(lines) != 2 || !json.Valid(bytes.TrimPrefix(lines[1], []byte("data: "))) {
			t.Fatalf("message is not one event of one JSON line: %q", msg)
		}
		layout(sys.Timeline, goldenStored)
	})
}
