package snmp

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/pbxalarm/pbxalarm/ingest/mivb"
)

// FuzzDecode feeds arbitrary datagrams to the decoder. Its seed corpus in
// testdata/fuzz/FuzzDecode holds the packets of the golden cases, as
// net-snmp sent them (go test -update rewrites it).
func FuzzDecode(f *testing.F) {
	f.Add(goodV3().encode())
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x01})
	dec := testDecoder(f)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		o := dec.decode(bytes.Clone(pkt), goldenPeer, goldenNow)
		if o.rej != nil && !slices.Contains(reasons[:], o.rej.reason) {
			t.Fatalf("unknown rejection reason %q", o.rej.reason)
		}
		if o.n == nil {
			if o.answer != nil {
				t.Fatal("an answer without a notification")
			}
			return
		}
		if o.rej != nil {
			t.Fatal("both a notification and a rejection")
		}
		s := o.n.SNMP
		if len(o.n.Identity) == 0 || !slices.Contains([]string{"1", "2c", "3"}, s.Version) || (s.PDU != "trap" && s.PDU != "inform") {
			t.Fatalf("incomplete notification: %+v identity %x", s, o.n.Identity)
		}
		if _, err := json.Marshal(s); err != nil {
			t.Fatalf("notification does not encode: %v", err)
		}
		r := mivb.RecogniseTrap(o.n.Trap())
		if !r.Severity.Valid() {
			t.Fatalf("recognised with severity %q", r.Severity)
		}
		if o.answer != nil {
			respond(o.answer) // must not panic; errors are allowed
		}
	})
}
