package procnet

import (
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// Tables captured on x86-64 (little-endian) with sockets bound by hand,
// and tables written as a big-endian machine prints them.
func TestParse_Fixtures(t *testing.T) {
	cases := []struct {
		file  string
		order binary.ByteOrder
		want  []Socket
	}{
		{"udp", binary.LittleEndian, []Socket{
			{Local: ap("127.0.0.1:5514"), Remote: ap("0.0.0.0:0"), RxQueue: 0x9c0, Inode: 580650},
			{Local: ap("127.0.0.1:40000"), Remote: ap("127.0.0.1:5514"), Inode: 580655},
			{Local: ap("0.0.0.0:40276"), Remote: ap("0.0.0.0:0"), Inode: 580656},
			{Local: ap("0.0.0.0:9162"), Remote: ap("0.0.0.0:0"), Inode: 580651},
			{Local: ap("127.0.0.1:60569"), Remote: ap("0.0.0.0:0"), RxQueue: 0x500, Inode: 580652, Drops: 199},
		}},
		{"udp6", binary.LittleEndian, []Socket{
			{Local: ap("[::]:6514"), Remote: ap("[::]:0"), Inode: 580653},
			{Local: ap("[::]:57001"), Remote: ap("[::]:0"), Inode: 580657},
			{Local: ap("[::1]:9162"), Remote: ap("[::]:0"), RxQueue: 0x340, Inode: 580654},
		}},
		{"udp-bigendian", binary.BigEndian, []Socket{
			{Local: ap("127.0.0.1:5514"), Remote: ap("0.0.0.0:0"), RxQueue: 0x100, Inode: 4242, Drops: 17},
			{Local: ap("192.168.10.5:9162"), Remote: ap("10.0.0.1:161"), Inode: 4243},
		}},
		{"udp6-bigendian", binary.BigEndian, []Socket{
			{Local: ap("[::1]:9162"), Remote: ap("[::]:0"), Inode: 99, Drops: 4294967295},
			{Local: ap("[::ffff:127.0.0.1]:6514"), Remote: ap("[2001:db8::1]:514"), RxQueue: 0x10, Inode: 100, Drops: 5},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tc.file))
			require.NoError(t, err)
			defer f.Close()
			got, err := Parse(f, tc.order)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

const header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"

// A table the parser does not understand is an error naming the line, not
// a wrong number.
func TestParse_Malformed(t *testing.T) {
	good := " 1: 0100007F:158A 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 7 2 0000000000000000 3"
	cases := map[string]struct{ line, want string }{
		"too few columns":  {" 1: 0100007F:158A 00000000:0000 07", "columns"},
		"no slot colon":    {strings.Replace(good, "1:", "1 ", 1), "slot"},
		"short address":    {strings.Replace(good, "0100007F:158A", "0100007:158A", 1), "local address"},
		"bad hex address":  {strings.Replace(good, "0100007F:158A", "0100007G:158A", 1), "local address"},
		"no port":          {strings.Replace(good, "0100007F:158A", "0100007F158A", 1), "local address"},
		"long port":        {strings.Replace(good, "0100007F:158A", "0100007F:158AA", 1), "local address"},
		"bad remote":       {strings.Replace(good, "00000000:0000", "00000000:zzzz", 1), "remote address"},
		"queues no colon":  {strings.Replace(good, "00000000:00000000", "0000000000000000", 1), "queues"},
		"bad rx queue":     {strings.Replace(good, "00000000:00000000", "00000000:0000000x", 1), "rx_queue"},
		"negative inode":   {strings.Replace(good, " 7 2 ", " -7 2 ", 1), "inode"},
		"drops not number": {strings.Replace(good, " 3", " three", 1), "drops"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(header+good+"\n"+tc.line+"\n"), binary.LittleEndian)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "line 3")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	socks, err := Parse(strings.NewReader(header+good+"\n\n"), binary.LittleEndian)
	require.NoError(t, err, "the good line alone, and a blank line, parse")
	assert.Equal(t, []Socket{{Local: ap("127.0.0.1:5514"), Remote: ap("0.0.0.0:0"), Inode: 7, Drops: 3}}, socks)
}

func TestSocket_Bound(t *testing.T) {
	cases := []struct {
		local, addr string
		want        bool
	}{
		{"127.0.0.1:5514", "127.0.0.1:5514", true},
		{"127.0.0.1:5514", "127.0.0.1:5515", false},
		{"127.0.0.1:5514", "127.0.0.2:5514", false},
		{"127.0.0.1:5514", "[::ffff:127.0.0.1]:5514", true},
		{"[::ffff:127.0.0.1]:5514", "127.0.0.1:5514", true},
		{"0.0.0.0:5514", "[::]:5514", true},
		{"[::]:5514", "0.0.0.0:5514", true},
		{"[::]:5514", "127.0.0.1:5514", false},
		{"[::1]:9162", "[::1]:9162", true},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, Socket{Local: ap(tc.local)}.Bound(ap(tc.addr)), "%s bound to %s", tc.local, tc.addr)
	}
}
