package ingest

import (
	"net/netip"
	"testing"
	"time"
	_ "time/tzdata" // zones named in these tests must not depend on the host's zoneinfo

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The most specific entry wins, whatever the order in the file; IPv4
// senders seen as IPv4-mapped IPv6 match their IPv4 entries.
func TestSystemNames_MostSpecificWins(t *testing.T) {
	names, err := NewSystemNames(map[string]string{
		"10.0.0.0/8":    "corp",
		"10.20.0.0/16":  "branch",
		"10.20.0.11":    "MIVB-HQ",
		"2001:db8::/32": "v6-site",
	})
	require.NoError(t, err)
	for _, tc := range []struct {
		sender, given, want string
	}{
		{"10.20.0.11", "hostname", "MIVB-HQ"},
		{"::ffff:10.20.0.11", "", "MIVB-HQ"},
		{"10.20.9.9", "", "branch"},
		{"10.99.0.1", "", "corp"},
		{"2001:db8::5", "", "v6-site"},
		{"192.0.2.1", "  given  ", "given"},
		{"192.0.2.1", "", "192.0.2.1"},
		{"::ffff:192.0.2.1", "", "192.0.2.1"},
	} {
		assert.Equal(t, tc.want, names.Name(netip.MustParseAddr(tc.sender), tc.given), "%s %q", tc.sender, tc.given)
	}
	var none *SystemNames
	assert.Equal(t, "host", none.Name(netip.MustParseAddr("192.0.2.1"), "host"), "no names configured")
}

func TestSystemNames_RejectsBadEntries(t *testing.T) {
	for _, m := range []map[string]string{
		{"10.0.0.0/99": "x"},
		{"pbx.example": "x"},
		{"10.0.0.1": "  "},
	} {
		_, err := NewSystemNames(m)
		assert.Error(t, err, "%v", m)
	}
}

func TestZones_SenderZoneElseDefault(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	london, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)
	zones, err := NewZones(london, map[string]string{
		"10.2.0.0/16": "America/New_York",
		"10.2.0.9":    "Asia/Tokyo",
	})
	require.NoError(t, err)
	for _, tc := range []struct {
		sender string
		want   *time.Location
	}{
		{"10.2.0.7", ny},
		{"::ffff:10.2.0.7", ny},
		{"10.2.0.9", tokyo},
		{"10.3.0.1", london},
	} {
		assert.Equal(t, tc.want.String(), zones.Location(netip.MustParseAddr(tc.sender)).String(), tc.sender)
	}
	var none *Zones
	assert.Equal(t, time.UTC, none.Location(netip.MustParseAddr("10.2.0.7")))
	z, err := NewZones(nil, nil)
	require.NoError(t, err)
	assert.Equal(t, time.UTC, z.Location(netip.MustParseAddr("10.2.0.7")), "no default is UTC")
}

func TestZones_RejectsBadEntries(t *testing.T) {
	for _, m := range []map[string]string{
		{"10.0.0.0/8": "Mars/Olympus"},
		{"10.0.0.0/8": ""},
		{"not-an-ip": "UTC"},
	} {
		_, err := NewZones(time.UTC, m)
		assert.Error(t, err, "%v", m)
	}
}
