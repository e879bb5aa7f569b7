package admit

import (
	"net/netip"
	"sync/atomic"
	"testing"
)

// BenchmarkAllow is the cost a gate adds to each datagram or frame, from
// parallel readers as the listeners call it.
func BenchmarkAllow(b *testing.B) {
	fleet := make([]netip.Addr, 1000) // 10.0.0.0 .. 10.0.3.231
	for i := range fleet {
		fleet[i] = addr4(0x0a000000 + uint32(i))
	}
	var many []netip.Prefix // 500 single PBXs and a few networks
	for i := range 500 {
		many = append(many, netip.PrefixFrom(fleet[i], 32))
	}
	many = append(many, prefixes(b, "10.0.2.0/23", "192.168.0.0/16", "2001:db8::/32")...)
	for _, bc := range []struct {
		name string
		cfg  Config
		addr func(i uint32) netip.Addr
	}{
		{"open", Config{}, func(i uint32) netip.Addr { return fleet[i%1000] }},
		{"allow-list-3", Config{Allow: prefixes(b, "10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32")},
			func(i uint32) netip.Addr { return fleet[i%1000] }},
		{"allow-list-503", Config{Allow: many}, func(i uint32) netip.Addr { return fleet[i%1000] }},
		{"rate-1000-sources", Config{Rate: 1e9, Burst: 1e9},
			func(i uint32) netip.Addr { return fleet[i%1000] }},
		{"rate-one-source", Config{Rate: 1e9, Burst: 1e9}, func(uint32) netip.Addr { return fleet[0] }},
		{"list-and-rate", Config{Allow: many, Rate: 1e9, Burst: 1e9},
			func(i uint32) netip.Addr { return fleet[i%1000] }},
		// every message from a new address: the table is full and evicts
		{"rate-spoofed-flood", Config{Rate: 10, Burst: 10},
			func(i uint32) netip.Addr { return addr4(0xc6330000 + i) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			g := newGate(b, bc.cfg)
			var seq atomic.Uint32
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := seq.Add(1 << 20) // each goroutine its own sequence
				for pb.Next() {
					i++
					g.Allow(bc.addr(i))
				}
			})
		})
	}
}
