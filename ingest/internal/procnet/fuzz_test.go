package procnet

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics on any bytes and that what it
// accepts means one thing: written back out as the kernel would write it,
// the sockets parse to the same values.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, table []byte) {
		socks, err := Parse(bytes.NewReader(table), binary.LittleEndian)
		if err != nil {
			return
		}
		again, err := Parse(strings.NewReader(format(socks)), binary.LittleEndian)
		if err != nil {
			t.Fatalf("written back, %v does not parse: %v", socks, err)
		}
		if !slices.Equal(again, socks) {
			t.Fatalf("round trip changed %v into %v", socks, again)
		}
	})
}

// format writes sockets as a little-endian kernel prints them.
func format(socks []Socket) string {
	var b strings.Builder
	b.WriteString(header)
	for i, s := range socks {
		fmt.Fprintf(&b, "%5d: %s %s 07 00000000:%08X 00:00000000 00000000     0        0 %d 2 0000000000000000 %d\n",
			i, formatAddrPort(s.Local), formatAddrPort(s.Remote), s.RxQueue, s.Inode, s.Drops)
	}
	return b.String()
}

func formatAddrPort(ap netip.AddrPort) string {
	raw := ap.Addr().AsSlice()
	var b strings.Builder
	for i := 0; i < len(raw); i += 4 {
		fmt.Fprintf(&b, "%08X", binary.LittleEndian.Uint32(raw[i:]))
	}
	fmt.Fprintf(&b, ":%04X", ap.Port())
	return b.String()
}
