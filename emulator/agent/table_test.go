package agent

import (
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// names returns the table's OIDs in its order.
func names(tab *Table) []string {
	tab.mu.RLock()
	defer tab.mu.RUnlock()
	out := make([]string, len(tab.entries))
	for i, e := range tab.entries {
		out[i] = e.name
	}
	return out
}

func TestTable_KeepsOIDsInNumericOrder(t *testing.T) {
	tab := NewTable()
	for _, o := range []string{"1.3.6.1.10", "1.3.6.1.2.1", ".1.3.6.1.2", "1.3.6.1.9.4294967295", "1.3.6.1.2.10", "1.3.6.1.2.9", "1.3.6.1.1"} {
		require.NoError(t, tab.Set(o, Integer(1)))
	}
	assert.Equal(t, []string{
		".1.3.6.1.1", ".1.3.6.1.2", ".1.3.6.1.2.1", ".1.3.6.1.2.9", ".1.3.6.1.2.10",
		".1.3.6.1.9.4294967295", ".1.3.6.1.10",
	}, names(tab))
}

func TestTable_SetReplacesGetAndDelete(t *testing.T) {
	tab := NewTable()
	require.NoError(t, tab.Set("1.3.6.1.2.1.1.5.0", OctetString("old")))
	require.NoError(t, tab.Set(".1.3.6.1.2.1.1.5.0", OctetString("new")))
	v, ok := tab.Get("1.3.6.1.2.1.1.5.0")
	require.True(t, ok)
	assert.Equal(t, OctetString("new"), v)
	assert.Equal(t, 1, tab.Len())

	tab.Delete("1.3.6.1.2.1.1.5.0")
	tab.Delete("1.3.6.1.2.1.1.5.0") // absent: no effect
	tab.Delete("not an oid")
	_, ok = tab.Get("1.3.6.1.2.1.1.5.0")
	assert.False(t, ok)
	assert.Zero(t, tab.Len())
}

func TestTable_SetCopiesByteSlices(t *testing.T) {
	tab := NewTable()
	b := []byte("abc")
	require.NoError(t, tab.Set("1.3.6.1.1.0", Value{Type: gosnmp.OctetString, Value: b}))
	b[0] = 'X'
	v, _ := tab.Get("1.3.6.1.1.0")
	assert.Equal(t, []byte("abc"), v.Value)
}

func TestTable_RejectsBadOIDsAndValues(t *testing.T) {
	cases := map[string]struct {
		oid string
		v   Value
	}{
		"empty oid":              {"", Integer(1)},
		"one arc":                {"1", Integer(1)},
		"first arc above 2":      {"3.1", Integer(1)},
		"second arc 40 under 1":  {"1.40", Integer(1)},
		"arc above uint32":       {"1.3.4294967296", Integer(1)},
		"letters":                {"1.3.six", Integer(1)},
		"empty arc":              {"1.3..6", Integer(1)},
		"too many arcs":          {"1.3" + strings.Repeat(".1", 127), Integer(1)},
		"integer out of int32":   {"1.3.1", Value{Type: gosnmp.Integer, Value: int64(math.MaxInt32) + 1}},
		"integer as string":      {"1.3.1", Value{Type: gosnmp.Integer, Value: "1"}},
		"negative counter":       {"1.3.1", Value{Type: gosnmp.Counter32, Value: -1}},
		"counter above uint32":   {"1.3.1", Value{Type: gosnmp.Gauge32, Value: uint64(math.MaxUint32) + 1}},
		"negative counter64":     {"1.3.1", Value{Type: gosnmp.Counter64, Value: -5}},
		"string as int":          {"1.3.1", Value{Type: gosnmp.OctetString, Value: 5}},
		"bad oid value":          {"1.3.1", ObjectIdentifier("1.3.x")},
		"oid value not a string": {"1.3.1", Value{Type: gosnmp.ObjectIdentifier, Value: 7}},
		"ipv6 address":           {"1.3.1", IPAddress(netip.MustParseAddr("::2"))},
		"bad address string":     {"1.3.1", Value{Type: gosnmp.IPAddress, Value: "300.1.1.1"}},
		"exception type":         {"1.3.1", Value{Type: gosnmp.NoSuchObject}},
		"pdu type":               {"1.3.1", Value{Type: gosnmp.Asn1BER(0xa0)}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			tab := NewTable()
			assert.Error(t, tab.Set(c.oid, c.v))
			assert.Zero(t, tab.Len(), "nothing stored")
		})
	}
}

func TestTable_NormalisesGoValues(t *testing.T) {
	cases := []struct {
		name string
		in   Value
		want Value
	}{
		{"int8 integer", Value{gosnmp.Integer, int8(-3)}, Value{gosnmp.Integer, -3}},
		{"uint16 timeticks", Value{gosnmp.TimeTicks, uint16(7)}, Value{gosnmp.TimeTicks, uint32(7)}},
		{"int counter64", Value{gosnmp.Counter64, 9}, Value{gosnmp.Counter64, uint64(9)}},
		{"max uint64 counter64", Value{gosnmp.Counter64, uint64(math.MaxUint64)}, Value{gosnmp.Counter64, uint64(math.MaxUint64)}},
		{"string octets", Value{gosnmp.OctetString, "hi"}, Value{gosnmp.OctetString, []byte("hi")}},
		{"oid without dot", ObjectIdentifier("1.3.6.1"), Value{gosnmp.ObjectIdentifier, ".1.3.6.1"}},
		{"ip string", Value{gosnmp.IPAddress, "10.1.2.3"}, Value{gosnmp.IPAddress, []byte{10, 1, 2, 3}}},
		{"ip mapped", IPAddress(netip.MustParseAddr("::ffff:10.1.2.3")), Value{gosnmp.IPAddress, []byte{10, 1, 2, 3}}},
		{"null", Value{gosnmp.Null, "ignored"}, Value{gosnmp.Null, nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := NewTable()
			require.NoError(t, tab.Set("1.3.1", c.in))
			got, _ := tab.Get("1.3.1")
			assert.Equal(t, c.want, got)
		})
	}
}

func TestTable_SetAllIsAllOrNothing(t *testing.T) {
	tab := NewTable()
	require.NoError(t, tab.Set("1.3.1", Integer(1)))
	err := tab.SetAll(map[string]Value{"1.3.2": Integer(2), "1.3.x": Integer(3)})
	require.Error(t, err)
	assert.Equal(t, []string{".1.3.1"}, names(tab), "nothing changed")

	require.Error(t, tab.SetAll(map[string]Value{"1.3.2": Integer(2), ".1.3.2": Integer(3)}), "one OID twice")
	assert.Equal(t, []string{".1.3.1"}, names(tab))

	require.NoError(t, tab.SetAll(map[string]Value{"1.3.0": Integer(0), "1.3.1": Integer(11), "1.3.10": Integer(10), "1.3.2": Integer(2)}))
	assert.Equal(t, []string{".1.3.0", ".1.3.1", ".1.3.2", ".1.3.10"}, names(tab))
	v, _ := tab.Get("1.3.1")
	assert.Equal(t, Integer(11), v, "replaced")
}

func TestTable_ReplaceDropsEverythingElse(t *testing.T) {
	tab := NewTable()
	require.NoError(t, tab.SetAll(map[string]Value{"1.3.1": Integer(1), "1.3.2": Integer(2)}))
	require.NoError(t, tab.Replace(map[string]Value{"1.3.2": Integer(22), "1.3.3": Integer(3)}))
	assert.Equal(t, []string{".1.3.2", ".1.3.3"}, names(tab))
	require.NoError(t, tab.Replace(nil))
	assert.Zero(t, tab.Len())
}

func TestTable_ReplaceSubtreeRewritesOneTable(t *testing.T) {
	const cat = "1.3.6.1.4.1.1027.4.1.1.2.2.4"
	tab := NewTable()
	require.NoError(t, tab.SetAll(map[string]Value{
		"1.3.6.1.4.1.1027.4.1.1.2.2.1.0": Integer(3),
		cat + ".1.8.1":                   OctetString("old 1"),
		cat + ".1.8.2":                   OctetString("old 2"),
		"1.3.6.1.4.1.1027.4.1.1.2.2.40":  Integer(40), // beside the subtree, not in it
		"1.3.6.1.6.3.10.2.1.3.0":         Integer(5),
	}))
	require.NoError(t, tab.ReplaceSubtree(cat, map[string]Value{
		cat + ".1.8.3":                   OctetString("new 3"),
		"1.3.6.1.4.1.1027.4.1.1.2.2.1.0": Integer(1),
	}))
	assert.Equal(t, []string{
		".1.3.6.1.4.1.1027.4.1.1.2.2.1.0", "." + cat + ".1.8.3",
		".1.3.6.1.4.1.1027.4.1.1.2.2.40", ".1.3.6.1.6.3.10.2.1.3.0",
	}, names(tab))
	v, _ := tab.Get("1.3.6.1.4.1.1027.4.1.1.2.2.1.0")
	assert.Equal(t, Integer(1), v)
	assert.Error(t, tab.ReplaceSubtree("bad", nil))
}

func TestTable_ZeroValueIsUsable(t *testing.T) {
	var tab Table
	require.NoError(t, tab.Set("1.3.1", Integer(1)))
	assert.Equal(t, 1, tab.Len())
}

func TestDateAndTime(t *testing.T) {
	cases := []struct {
		name string
		in   time.Time
		want []byte
	}{
		{"utc", time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC), []byte{0x07, 0xE4, 8, 21, 9, 0, 0, 0, '+', 0, 0}},
		{"deci-seconds and east of utc", time.Date(2025, 12, 31, 23, 59, 58, 730e6, time.FixedZone("", 5*3600+30*60)), []byte{0x07, 0xE9, 12, 31, 23, 59, 58, 7, '+', 5, 30}},
		{"west of utc", time.Date(2020, 9, 11, 0, 0, 1, 0, time.FixedZone("", -4*3600)), []byte{0x07, 0xE4, 9, 11, 0, 0, 1, 0, '-', 4, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := DateAndTime(c.in)
			assert.Equal(t, gosnmp.OctetString, v.Type)
			assert.Equal(t, c.want, v.Value)
		})
	}
}
