package emulator

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the expected outputs of golden tests")

func TestBuiltins_LoadAndValidate(t *testing.T) {
	names := Builtins()
	assert.ElementsMatch(t, []string{"cert-2020", "overuse", "expired", "mixed"}, names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			sc, err := Load(name)
			require.NoError(t, err)
			assert.Equal(t, name, sc.Name, "the file's name is the scenario's")
			require.NoError(t, sc.Validate())
			assert.NotEmpty(t, sc.Description)
			p := planOf(t, sc)
			assert.NotEmpty(t, p.items)
			assert.NotEmpty(t, levelHistory(p), "something happens to some licence")
		})
	}
}

func TestLoad_ReadsAFileAndRefusesUnknownNames(t *testing.T) {
	b, err := BuiltinYAML("overuse")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "mine.yaml")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	sc, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, "overuse", sc.Name)
	_, err = Load("no-such-scenario")
	assert.ErrorContains(t, err, "neither built in")
}

// TestParse_BadFileNamesTheField reads testdata/bad-scenarios/<case>/:
// scenario.yaml must be refused with the error in expected.err, which
// names the bad field.
func TestParse_BadFileNamesTheField(t *testing.T) {
	dirs, err := filepath.Glob("testdata/bad-scenarios/*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(dir, "scenario.yaml"))
			require.NoError(t, err)
			_, perr := Parse(in)
			require.Error(t, perr)
			got := perr.Error() + "\n"
			golden := filepath.Join(dir, "expected.err")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), got)
		})
	}
}

func TestScenario_ValidateInCode(t *testing.T) {
	sc := mustParse(t, smallScenario)
	sc.Systems[1].Events[0].Cause = "gremlins"
	err := sc.Validate()
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), `emulator: scenario "small": systems[1].events[0].cause: "gremlins" is not one of`), err.Error())
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]string{"90s": "1m30s", "36h": "1d12h0m0s", "2d": "2d", "1w2d12h": "9d12h0m0s"} {
		d, err := ParseDuration(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, d.String(), in)
	}
	for _, bad := range []string{"", "2", "d", "1x", "-3h", "99999d"} {
		_, err := ParseDuration(bad)
		assert.Error(t, err, bad)
	}
}
