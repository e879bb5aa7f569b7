package snmp

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/pbxalarm/pbxalarm/ingest/mivb"
)

// BenchmarkDecodeAndRecognise measures one trap from bytes to what the
// event needs: decode (v3: check the digest and decrypt), render the
// varbinds, recognise.
func BenchmarkDecodeAndRecognise(b *testing.B) {
	dec := testDecoder(b)
	for _, name := range []string{"v1-trap-301-critical", "v2c-trap-301-minor", "v3-authnopriv-trap-303", "v3-authpriv-trap-301-major"} {
		pkt := readCase(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(pkt)))
			for b.Loop() {
				o := dec.decode(pkt, goldenPeer, goldenNow)
				if o.n == nil {
					b.Fatalf("not decoded: %+v", o.rej)
				}
				mivb.RecogniseTrap(o.n.Trap())
			}
		})
	}
}

// BenchmarkReceiver_TrapsPerSecond sends v2c traps through the UDP
// receiver to a handler that does nothing, at most a window ahead of what
// was read so that the kernel drops none.
func BenchmarkReceiver_TrapsPerSecond(b *testing.B) {
	for _, name := range []string{"v2c-trap-301-minor", "v3-authpriv-trap-301-major"} {
		pkt := readCase(b, name)
		b.Run(name, func(b *testing.B) {
			nop := HandlerFunc(func(context.Context, *Notification, func(error)) error { return nil })
			opts := append(testUsers(b), WithCommunity(testCommunity))
			r := serve(b, nop, opts...)
			c, err := net.DialUDP("udp", nil, r.Addr().(*net.UDPAddr))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			const window = 512
			st := r.Stats()
			start := time.Now()
			sent := 0
			for b.Loop() {
				for uint64(sent)-st.received.Load() >= window {
					time.Sleep(10 * time.Microsecond)
				}
				if _, err := c.Write(pkt); err != nil {
					b.Fatal(err)
				}
				sent++
			}
			deadline := time.Now().Add(waitFor)
			for st.Accepted() < uint64(sent) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			elapsed := time.Since(start)
			if got := st.Accepted(); got != uint64(sent) {
				b.Fatalf("accepted %d of %d", got, sent)
			}
			b.ReportMetric(float64(sent)/elapsed.Seconds(), "traps/s")
		})
	}
}
