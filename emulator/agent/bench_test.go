package agent

import (
	"net/netip"
	"testing"

	"github.com/gosnmp/gosnmp"
)

// BenchmarkAgentGet measures one GET of sysDescr.0 through the agent's
// request path (decode, look up, encode), without the socket.
func BenchmarkAgentGet(b *testing.B) {
	a, err := Listen("127.0.0.1:0", loadTable(b, "testdata/mivb-table.txt"), WithLogger(quietLogger()))
	if err != nil {
		b.Fatal(err)
	}
	defer a.conn.Close()
	req := encodeRequest(b, gosnmp.Version2c, "public", gosnmp.GetRequest, 0, 0, oidSysDescr)
	peer := netip.MustParseAddrPort("127.0.0.1:40000")
	b.ReportAllocs()
	for b.Loop() {
		if a.handle(req, peer) == nil {
			b.Fatal("no response")
		}
	}
}

// BenchmarkAgentGetBulk measures a GETBULK of 25 varbinds (the whole
// fixture table) through the request path.
func BenchmarkAgentGetBulk(b *testing.B) {
	a, err := Listen("127.0.0.1:0", loadTable(b, "testdata/mivb-table.txt"), WithLogger(quietLogger()))
	if err != nil {
		b.Fatal(err)
	}
	defer a.conn.Close()
	req := encodeRequest(b, gosnmp.Version2c, "public", gosnmp.GetBulkRequest, 0, 25, ".1.3")
	peer := netip.MustParseAddrPort("127.0.0.1:40000")
	b.ReportAllocs()
	for b.Loop() {
		if a.handle(req, peer) == nil {
			b.Fatal("no response")
		}
	}
}

// BenchmarkAgentGetUDP measures GET round trips over loopback UDP with
// gosnmp's client: the rate one agent answers a poller.
func BenchmarkAgentGetUDP(b *testing.B) {
	a := startAgent(b, loadTable(b, "testdata/mivb-table.txt"))
	c := client(b, a, gosnmp.Version2c, "public")
	oids := []string{oidSysDescr}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Get(oids); err != nil {
			b.Fatal(err)
		}
	}
}
