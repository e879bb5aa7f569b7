package agent

import (
	"net/netip"
	"testing"

	"github.com/gosnmp/gosnmp"
)

// FuzzDecodeRequest feeds any bytes to the agent's request path: decoding
// never panics, only SNMPv1 and SNMPv2c requests are answered, and every
// answer is a GetResponse to the same request that fits the size limit.
func FuzzDecodeRequest(f *testing.F) {
	a, err := Listen("127.0.0.1:0", loadTable(f, "testdata/mivb-table.txt"), WithLogger(quietLogger()), WithMaxResponseSize(MinMaxResponseSize))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { a.conn.Close() })
	peer := netip.MustParseAddrPort("127.0.0.1:161")
	f.Fuzz(func(t *testing.T, b []byte) {
		req, derr := decodeRequest(b)
		if derr == nil && req.Version != gosnmp.Version1 && req.Version != gosnmp.Version2c {
			t.Fatalf("decoded version %v", req.Version)
		}
		resp := a.handle(b, peer)
		if resp == nil {
			return
		}
		if derr != nil {
			t.Fatalf("answered a request that did not decode: %v", derr)
		}
		if len(resp) > MinMaxResponseSize {
			t.Fatalf("response of %d bytes, limit %d", len(resp), MinMaxResponseSize)
		}
		got, err := (&gosnmp.GoSNMP{Version: req.Version}).SnmpDecodePacket(resp)
		if err != nil {
			t.Fatalf("response does not decode: %v", err)
		}
		if got.PDUType != gosnmp.GetResponse || got.RequestID != req.RequestID || got.Version != req.Version {
			t.Fatalf("response %v id %d version %v to request %v id %d version %v",
				got.PDUType, got.RequestID, got.Version, req.PDUType, req.RequestID, req.Version)
		}
	})
}
