package admit

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func prefixes(t testing.TB, specs ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, s := range specs {
		p, err := ParsePrefix(s)
		require.NoError(t, err)
		out = append(out, p)
	}
	return out
}

func newGate(t testing.TB, cfg Config) *Gate {
	t.Helper()
	g, err := New(cfg)
	require.NoError(t, err)
	return g
}

func TestGate_AllowList(t *testing.T) {
	g := newGate(t, Config{Allow: prefixes(t,
		"10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::ffff:198.51.100.0/120", "fe80::1")})
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"10.1.2.3", true},
		{"10.255.255.255", true},
		{"11.0.0.1", false},
		{"192.0.2.7", true},
		{"192.0.2.8", false},
		{"::ffff:10.9.9.9", true},         // IPv4-mapped: matched as IPv4
		{"::ffff:11.0.0.1", false},        //
		{"198.51.100.200", true},          // a mapped entry is taken as IPv4
		{"2001:db8:1::5", true},           //
		{"2001:db9::5", false},            //
		{"fe80::1%eth0", true},            // the zone does not matter
		{"fe80::2", false},                //
		{"::a00:1", false},                // IPv4-compatible is not IPv4
		{"0.0.0.0", false},                //
		{"::ffff:192.0.2.7", true},        //
		{"2001:db8:ffff:ffff::1", true},   //
		{"2001:0db8:0000::0001", true},    // another spelling of 2001:db8::1
		{"127.0.0.1", false},              //
		{"::1", false},                    //
		{"::ffff:198.51.100.1", true},     //
		{"::ffff:198.51.101.1", false},    //
		{"10.0.0.0", true},                // network address itself
		{"fe80::1%2", true},               //
		{"255.255.255.255", false},        //
		{"2001:db8::", true},              //
		{"2001:db7:ffff:ffff::", false},   //
		{"2001:db8::ffff:10.1.2.3", true}, // inside the IPv6 network
	} {
		a := netip.MustParseAddr(tc.addr)
		assert.Equal(t, tc.want, g.Listed(a), "Listed(%s)", tc.addr)
		want := NotAllowed
		if tc.want {
			want = Admit
		}
		assert.Equal(t, want, g.Allow(a), "Allow(%s)", tc.addr)
	}
}

func TestGate_EmptyAllowListAdmitsEveryone(t *testing.T) {
	for _, g := range []*Gate{nil, newGate(t, Config{})} {
		for _, a := range []string{"10.0.0.1", "::1", "::ffff:1.2.3.4"} {
			assert.Equal(t, Admit, g.Allow(netip.MustParseAddr(a)))
			assert.True(t, g.Listed(netip.MustParseAddr(a)))
			assert.True(t, g.Take(netip.MustParseAddr(a)))
		}
	}
}

func TestGate_ZeroLengthPrefixesAdmitTheirFamily(t *testing.T) {
	g := newGate(t, Config{Allow: prefixes(t, "0.0.0.0/0")})
	assert.True(t, g.Listed(netip.MustParseAddr("203.0.113.9")))
	assert.True(t, g.Listed(netip.MustParseAddr("::ffff:203.0.113.9")))
	assert.False(t, g.Listed(netip.MustParseAddr("2001:db8::1")), "an IPv4 list admits no IPv6 sender")
}

func TestParsePrefix(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"10.0.0.0/8", "10.0.0.0/8"},
		{"10.1.2.3/8", "10.0.0.0/8"}, // masked
		{"192.0.2.7", "192.0.2.7/32"},
		{" 192.0.2.7 ", "192.0.2.7/32"},
		{"2001:db8::1", "2001:db8::1/128"},
		{"::ffff:192.0.2.7", "192.0.2.7/32"},
		{"2001:db8::/32", "2001:db8::/32"},
	} {
		p, err := ParsePrefix(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, p.String(), tc.in)
	}
	for _, bad := range []string{"", "10.0.0.0/33", "host.example", "10.0.0", "fe80::1%eth0", "10.0.0.0/8/8"} {
		_, err := ParsePrefix(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestNew_RejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Rate: -1}, {Rate: nan()}, {Rate: inf()}, {Rate: 1, Burst: -1}, {MaxSources: -1},
		{Allow: []netip.Prefix{{}}},
	} {
		_, err := New(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
}

func nan() float64 { z := 0.0; return z / z }
func inf() float64 { z := 0.0; return 1 / z }

// Each source has a bucket of its own: one spending its burst leaves the
// other's untouched, and tokens come back at the rate.
func TestGate_RatePerSource(t *testing.T) {
	g := newGate(t, Config{Rate: 10, Burst: 5})
	flooder, polite := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	now := time.Now()
	for i := range 5 {
		assert.True(t, g.take(flooder, now), "burst message %d", i)
	}
	assert.False(t, g.take(flooder, now), "beyond the burst")
	for i := range 5 {
		assert.True(t, g.take(polite, now), "the other source's burst is its own (message %d)", i)
	}
	assert.False(t, g.take(flooder, now.Add(99*time.Millisecond)), "no token before 1/rate")
	assert.True(t, g.take(flooder, now.Add(100*time.Millisecond)), "one token after 1/rate")
	assert.False(t, g.take(flooder, now.Add(100*time.Millisecond)))
	// A mapped spelling is the same source.
	assert.False(t, g.take(normal(netip.MustParseAddr("::ffff:192.0.2.1")), now.Add(100*time.Millisecond)))
}

func TestGate_DefaultBurstIsOneSecond(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		want int
	}{{0.5, 1}, {1, 1}, {2.5, 3}, {100, 100}} {
		g := newGate(t, Config{Rate: tc.rate})
		assert.Equal(t, tc.want, g.burst, "rate %v", tc.rate)
	}
}

func TestGate_AllowChecksListBeforeRate(t *testing.T) {
	g := newGate(t, Config{Allow: prefixes(t, "192.0.2.0/24"), Rate: 1, Burst: 1})
	out := netip.MustParseAddr("198.51.100.1")
	in := netip.MustParseAddr("192.0.2.1")
	for range 3 {
		assert.Equal(t, NotAllowed, g.Allow(out))
	}
	assert.Zero(t, g.Sources(), "a source not on the list gets no bucket")
	assert.Equal(t, Admit, g.Allow(in))
	assert.Equal(t, RateLimited, g.Allow(in))
	assert.Equal(t, 1, g.Sources())
}

func addr4(i uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], i)
	return netip.AddrFrom4(b)
}

// A flood from ever new (spoofed) addresses cannot grow the table past its
// bound, and a source that keeps within its rate is never limited by it:
// eviction only ever hands a source a full bucket.
func TestGate_BoundedUnderSpoofedFlood(t *testing.T) {
	const maxSources = 256
	g := newGate(t, Config{Rate: 5, Burst: 5, MaxSources: maxSources})
	polite := netip.MustParseAddr("10.0.0.1")
	now := time.Now()
	politeSent := 0
	for i := range uint32(200_000) {
		g.take(addr4(0xc6330000+i), now) // 198.51.0.0 onwards, each address once
		if i%20_000 == 0 {
			// a burst of 5 every second of virtual time: exactly its rate
			for range 5 {
				assert.True(t, g.take(polite, now), "polite message %d", politeSent)
				politeSent++
			}
			now = now.Add(time.Second)
		}
	}
	assert.LessOrEqual(t, g.Sources(), maxSources)
	assert.Equal(t, 50, politeSent)
}

// A full shard forgets the source silent longest, so a busy source keeps
// its (empty) bucket while a quiet one makes room.
func TestGate_EvictsTheSourceSilentLongest(t *testing.T) {
	g := newGate(t, Config{Rate: 1, Burst: 1, MaxSources: 2 * numShards}) // two sources per shard
	quiet := netip.MustParseAddr("192.0.2.1")
	busy := sameShard(g, quiet, 1)
	newcomer := sameShard(g, quiet, 2)
	now := time.Now()
	require.True(t, g.take(quiet, now))
	require.True(t, g.take(busy, now.Add(500*time.Millisecond)))
	require.False(t, g.take(busy, now.Add(600*time.Millisecond)), "busy has spent its burst")
	require.True(t, g.take(newcomer, now.Add(700*time.Millisecond)))
	sh := &g.shards[g.shardIndex(quiet)]
	assert.Len(t, sh.sources, 2)
	assert.NotContains(t, sh.sources, quiet)
	assert.False(t, g.take(busy, now.Add(800*time.Millisecond)), "busy is still limited: its bucket was kept")
}

// sameShard returns the nth address after a that falls in a's shard.
func sameShard(g *Gate, a netip.Addr, nth int) netip.Addr {
	want := g.shardIndex(a)
	for b := a.Next(); ; b = b.Next() {
		if g.shardIndex(b) == want {
			if nth--; nth == 0 {
				return b
			}
		}
	}
}

func TestGate_ConcurrentUse(t *testing.T) {
	g := newGate(t, Config{Allow: prefixes(t, "10.0.0.0/8"), Rate: 1000, Burst: 10, MaxSources: 64})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range uint32(5000) {
				g.Allow(addr4(0x0a000000 + uint32(w)<<16 + i%300))
				g.Take(addr4(0x0a000000 + i))
				g.Listed(addr4(i))
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, g.Sources(), 64)
}

func TestVerdict_String(t *testing.T) {
	assert.Equal(t, "admit", Admit.String())
	assert.Equal(t, "not_allowed", NotAllowed.String())
	assert.Equal(t, "rate_limited", RateLimited.String())
}

func TestForConfig_NoRulesIsANilGateThatAdmitsAll(t *testing.T) {
	g, err := ForConfig(Config{})
	if err != nil || g != nil {
		t.Fatalf("ForConfig(no rules) = %v, %v; want a nil gate", g, err)
	}
	a := netip.MustParseAddr("192.0.2.7")
	if g.Allow(a) != Admit || !g.Listed(a) || !g.Take(a) {
		t.Error("a nil gate must admit every sender")
	}
	g, err = ForConfig(Config{Rate: 5})
	if err != nil || g == nil {
		t.Fatalf("ForConfig(rate 5) = %v, %v; want a gate", g, err)
	}
	if _, err := ForConfig(Config{Rate: -1}); err == nil {
		t.Error("a negative rate must be refused")
	}
}
