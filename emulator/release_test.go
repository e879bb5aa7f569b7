package emulator

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRelease(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Release
		text string
	}{
		{"9.0 SP2", Release{9, 0, 2, 0}, "9.0 SP2"},
		{"MCD 5.0 SP2 PR2", Release{5, 0, 2, 2}, "5.0 SP2 PR2"},
		{"MiVB R9.0 SP3", Release{9, 0, 3, 0}, "9.0 SP3"},
		{"mivoice business 7.0sp1pr2", Release{7, 0, 1, 2}, "7.0 SP1 PR2"},
		{"10.0", Release{10, 0, 0, 0}, "10.0"},
		{" 7.2 ", Release{7, 2, 0, 0}, "7.2"},
	} {
		got, err := ParseRelease(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
		assert.Equal(t, tc.text, got.String(), tc.in)
	}
	for _, bad := range []string{"", "9", "9.x", "nine", "9.0 SP", "3.0", "9.0 SP2 extra"} {
		_, err := ParseRelease(bad)
		assert.Error(t, err, bad)
	}
}

func TestRelease_CertAffected(t *testing.T) {
	for _, tc := range []struct {
		rel  string
		want bool
	}{
		{"MCD 4.2 SP2", false},
		{"MCD 5.0", true},
		{"MCD 6.0 SP1", true},
		{"7.0", true},
		{"7.1 SP2", true},
		{"7.2", true},
		{"8.0 SP3", true},
		{"9.0", true},
		{"9.0 SP2 PR1", true},
		{"9.0 SP3", false},
		{"9.1", false},
		{"10.0", false},
	} {
		r, err := ParseRelease(tc.rel)
		require.NoError(t, err)
		assert.Equal(t, tc.want, r.CertAffected(), tc.rel)
	}
}

var sysDescrForm = regexp.MustCompile(`^VerAg:07\.00\.00\.01\.00;VerSw:(\d+)\.(\d+)\.(\d+)\.\d+;VerHw:([^;]+);VerPl:3300 ICP;(?:HostSrv:([\d.]+);)?VerMCD:(.+)$`)

func TestSysDescr_HasTheFormRealSystemsReport(t *testing.T) {
	// The real sample of mitel-facts.md §6, rebuilt exactly.
	assert.Equal(t, "VerAg:07.00.00.01.00;VerSw:13.0.1.53;VerHw:MXe;VerPl:3300 ICP;VerMCD:7.0 SP1 PR2",
		sysDescr(Release{7, 0, 1, 2}, "MXe", "127.0.0.2"))
	for _, tc := range []struct {
		rel, platform string
	}{
		{"MCD 5.0 SP2 PR2", "MCD"}, {"6.0 SP1", "CX"}, {"8.0", "CXi-II"}, {"9.0 SP3", "MXe III"}, {"10.0", "MCD"},
	} {
		r, err := ParseRelease(tc.rel)
		require.NoError(t, err)
		d := sysDescr(r, tc.platform, "127.0.0.9")
		m := sysDescrForm.FindStringSubmatch(d)
		require.NotNil(t, m, d)
		assert.Equal(t, strconv.Itoa(r.Major+6), m[1], "VerSw major is the release's plus 6: %s", d)
		assert.Equal(t, strconv.Itoa(r.SP), m[3], d)
		assert.Equal(t, tc.platform, m[4], d)
		assert.Equal(t, tc.platform == "MCD", m[5] == "127.0.0.9", "only software MCD names its host: %s", d)
		assert.Equal(t, r.String(), m[6], d)
		assert.False(t, strings.Contains(d, " ;"), d)
	}
}

func TestLevel_Mappings(t *testing.T) {
	for _, tc := range []struct {
		l     Level
		name  string
		alarm int
	}{
		{LevelClear, "Clear", 1}, {LevelWarning, "Warning", 1}, {LevelMinor, "Minor", 2},
		{LevelMajor, "Major", 3}, {LevelCritical, "Critical", 4}, {LevelSystemLock, "System Lock", 4},
	} {
		assert.Equal(t, tc.name, tc.l.String())
		assert.Equal(t, tc.alarm, tc.l.AlarmLevel(), tc.name)
		p, err := ParseLevel(tc.name)
		require.NoError(t, err)
		assert.Equal(t, tc.l, p)
	}
	l, err := ParseLevel("system_lock")
	require.NoError(t, err)
	assert.Equal(t, LevelSystemLock, l)
	_, err = ParseLevel("Severe")
	assert.Error(t, err)
}
