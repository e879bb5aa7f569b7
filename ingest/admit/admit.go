// Package admit decides whether a source may send, by allow-list and
// per-source rate.
//
// A [Gate] holds an allow-list of networks (empty: everyone) and a token
// bucket per source address (golang.org/x/time/rate). The buckets live in
// a bounded table: a flood from spoofed addresses churns the table but
// cannot grow it past [Config.MaxSources]. IPv4-mapped IPv6 addresses are
// matched and counted as the IPv4 address they carry, so a dual-stack
// socket and an IPv4 socket treat a sender alike.
package admit

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxSources is how many sources' buckets a gate keeps when
// Config.MaxSources is 0: far more than a fleet of PBXs, and about 5 MB of
// heap when full.
const DefaultMaxSources = 16384

// Verdict is what a gate says about one message.
type Verdict uint8

// The verdicts.
const (
	Admit       Verdict = iota // let it through
	NotAllowed                 // the source is not on the allow-list
	RateLimited                // the source is over its rate
)

func (v Verdict) String() string {
	switch v {
	case Admit:
		return "admit"
	case NotAllowed:
		return "not_allowed"
	case RateLimited:
		return "rate_limited"
	}
	return fmt.Sprintf("verdict(%d)", uint8(v))
}

// Config says who may send and how fast.
type Config struct {
	// Allow lists the networks sources must be in; empty admits every
	// source.
	Allow []netip.Prefix
	// Rate is the messages a second each source may send; 0 is unlimited.
	Rate float64
	// Burst is how many messages a source may send at once; 0 means one
	// second's worth (Rate rounded up, at least 1).
	Burst int
	// MaxSources bounds how many sources' buckets are kept (rounded up to
	// a multiple of 32); 0 means DefaultMaxSources.
	MaxSources int
}

// Gate applies a Config. It is safe for concurrent use. A nil *Gate admits
// everything.
type Gate struct {
	allow    allowList
	limited  bool
	rate     rate.Limit
	burst    int
	refill   int64 // nanoseconds an empty bucket takes to fill again
	perShard int
	seed     maphash.Seed
	shards   [numShards]shard
}

// numShards spreads the bucket table's lock over the reader goroutines.
const numShards = 32

type shard struct {
	mu      sync.Mutex
	sources map[netip.Addr]*source
	_       [64 - 16]byte // keep neighbouring shards' locks off one cache line
}

type source struct {
	lim  *rate.Limiter
	seen int64 // unix nanoseconds of the last message; under the shard lock
}

// New returns a gate for cfg.
// ForConfig is New, except that a cfg with neither an allow-list nor a
// rate gives a nil Gate: a nil Gate admits every sender at any rate, and
// its checks cost nothing, so listeners need no case of their own.
func ForConfig(cfg Config) (*Gate, error) {
	if len(cfg.Allow) == 0 && cfg.Rate == 0 {
		return nil, nil
	}
	return New(cfg)
}

func New(cfg Config) (*Gate, error) {
	if math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0) || cfg.Rate < 0 {
		return nil, fmt.Errorf("admit: rate %v: want a finite number of messages a second, 0 for unlimited", cfg.Rate)
	}
	if cfg.Burst < 0 {
		return nil, fmt.Errorf("admit: burst %d is negative", cfg.Burst)
	}
	if cfg.MaxSources < 0 {
		return nil, fmt.Errorf("admit: max sources %d is negative", cfg.MaxSources)
	}
	g := &Gate{seed: maphash.MakeSeed()}
	if err := g.allow.init(cfg.Allow); err != nil {
		return nil, err
	}
	if cfg.Rate > 0 {
		g.limited = true
		g.rate = rate.Limit(cfg.Rate)
		g.burst = cfg.Burst
		if g.burst == 0 {
			g.burst = max(int(math.Ceil(cfg.Rate)), 1)
		}
		g.refill = int64(math.Ceil(float64(g.burst) / cfg.Rate * float64(time.Second)))
		maxSources := cfg.MaxSources
		if maxSources == 0 {
			maxSources = DefaultMaxSources
		}
		g.perShard = max((maxSources+numShards-1)/numShards, 1)
		for i := range g.shards {
			g.shards[i].sources = make(map[netip.Addr]*source)
		}
	}
	return g, nil
}

// Allow says whether a message from a may pass: NotAllowed if a is not on
// the allow-list, RateLimited if a has no token left (the message uses one
// when it passes), else Admit.
func (g *Gate) Allow(a netip.Addr) Verdict {
	if g == nil {
		return Admit
	}
	a = normal(a)
	if !g.allow.contains(a) {
		return NotAllowed
	}
	if g.limited && !g.take(a, time.Now()) {
		return RateLimited
	}
	return Admit
}

// Listed says whether a is on the allow-list (true when the list is
// empty). A stream listener asks it once, at accept.
func (g *Gate) Listed(a netip.Addr) bool {
	return g == nil || g.allow.contains(normal(a))
}

// Take takes one token from a's bucket and says whether there was one
// (always true without a rate). A stream listener asks it for each frame
// of a connection already admitted.
func (g *Gate) Take(a netip.Addr) bool {
	if g == nil || !g.limited {
		return true
	}
	return g.take(normal(a), time.Now())
}

// Sources returns how many sources' buckets the gate holds now.
func (g *Gate) Sources() int {
	if g == nil {
		return 0
	}
	n := 0
	for i := range g.shards {
		sh := &g.shards[i]
		sh.mu.Lock()
		n += len(sh.sources)
		sh.mu.Unlock()
	}
	return n
}

// String describes the rules, for the startup log.
func (g *Gate) String() string {
	if g == nil {
		return "any source, unlimited"
	}
	var b strings.Builder
	if g.allow.empty() {
		b.WriteString("any source")
	} else {
		fmt.Fprintf(&b, "sources in %d networks", len(g.allow.nets))
	}
	if g.limited {
		fmt.Fprintf(&b, ", %g/s per source (burst %d)", float64(g.rate), g.burst)
	} else {
		b.WriteString(", unlimited")
	}
	return b.String()
}

// normal strips what makes two spellings of one sender differ: IPv4-mapped
// IPv6 and an interface zone.
func normal(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

func (g *Gate) take(a netip.Addr, now time.Time) bool {
	sh := &g.shards[g.shardIndex(a)]
	t := now.UnixNano()
	sh.mu.Lock()
	s := sh.sources[a]
	if s == nil {
		if len(sh.sources) >= g.perShard {
			sh.evict(t, g.refill)
		}
		s = &source{lim: rate.NewLimiter(g.rate, g.burst)}
		sh.sources[a] = s
	}
	s.seen = t
	sh.mu.Unlock()
	return s.lim.AllowN(now, 1)
}

func (g *Gate) shardIndex(a netip.Addr) uint64 {
	b := a.As16()
	return maphash.Bytes(g.seed, b[:]) % numShards
}

// evictSample is how many entries a full shard looks at to make room.
const evictSample = 8

// evict removes one source from a full shard: one whose bucket has filled
// up again if the sample holds one (forgetting it changes nothing: it
// would start full anyway), else the one silent longest. Forgetting a busy
// source only gives it a full bucket again, so eviction can make the gate
// more lenient with a source, never stricter.
func (sh *shard) evict(now, refill int64) {
	var victim netip.Addr
	oldest := int64(math.MaxInt64)
	n := 0
	for a, s := range sh.sources { // map order is random: a random sample
		if now-s.seen >= refill {
			victim = a
			break
		}
		if s.seen < oldest {
			victim, oldest = a, s.seen
		}
		if n++; n == evictSample {
			break
		}
	}
	delete(sh.sources, victim)
}

// allowList matches addresses against prefixes by looking each address up
// once per distinct prefix length, so a long list costs little more than a
// short one.
type allowList struct {
	nets         map[netip.Prefix]struct{}
	bits4, bits6 []int // distinct prefix lengths, longest first
}

func (l *allowList) empty() bool { return len(l.nets) == 0 }

func (l *allowList) init(ps []netip.Prefix) error {
	if len(ps) == 0 {
		return nil
	}
	l.nets = make(map[netip.Prefix]struct{}, len(ps))
	var errs []error
	for _, p := range ps {
		if !p.IsValid() {
			errs = append(errs, fmt.Errorf("admit: allow-list entry %q is not a valid network", p))
			continue
		}
		p = p.Masked()
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		l.nets[p] = struct{}{}
		if p.Addr().Is4() {
			l.bits4 = append(l.bits4, p.Bits())
		} else {
			l.bits6 = append(l.bits6, p.Bits())
		}
	}
	for _, bits := range []*[]int{&l.bits4, &l.bits6} {
		slices.Sort(*bits)
		slices.Reverse(*bits)
		*bits = slices.Compact(*bits)
	}
	return errors.Join(errs...)
}

// contains says whether a (already normal) is in a listed network; an
// empty list contains everything.
func (l *allowList) contains(a netip.Addr) bool {
	if len(l.nets) == 0 {
		return true
	}
	bits := l.bits6
	if a.Is4() {
		bits = l.bits4
	}
	for _, b := range bits {
		p, err := a.Prefix(b)
		if err != nil {
			continue
		}
		if _, ok := l.nets[p]; ok {
			return true
		}
	}
	return false
}

// ParsePrefix reads an allow-list entry: a network in CIDR notation or a
// single address (a /32 or /128). An IPv4-mapped IPv6 entry is taken as the
// IPv4 it carries.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR network", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR network", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
