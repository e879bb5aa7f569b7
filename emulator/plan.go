package emulator

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// itemKind says what a plan item sends.
type itemKind int

const (
	itemRecord    itemKind = iota // a record: syslog and log stream
	itemMalformed                 // bytes that are not a record: syslog and log stream
	itemTrap                      // an SNMP notification
	itemState                     // nothing sent: the agent's table changes
)

// item is one message of the plan: what a system sends and when.
type item struct {
	at    time.Time
	sys   int
	seq   int // order within the system
	kind  itemKind
	rec   *record
	raw   []byte
	trap  *trapMsg
	state *snapshot    // what the agent shows from this item on
	level *LevelChange // the licence level this item announces
}

// plan is everything a fleet sends, in order.
type plan struct {
	start, end time.Time
	systems    []planSystem
	items      []item
}

// planSystem is a system's identity and its state when the run starts.
type planSystem struct {
	name    string
	ip      netip.Addr
	initial *snapshot
	level   LevelChange
}

// makePlan simulates the fleet from the scenario's start (or the run's,
// whichever is earlier) to the end and keeps what is sent from the run's
// start on. Each system draws from its own random source, seeded from the
// seed and its index, so systems do not disturb each other's sequence.
func makePlan(c *compiled, o *options) (*plan, error) {
	start, end := c.start, c.end
	if !o.start.IsZero() {
		start = o.start.UTC()
		if !end.After(start) {
			end = start.Add(c.end.Sub(c.start))
		}
	}
	if !o.end.IsZero() {
		end = o.end.UTC()
	}
	if !end.After(start) {
		return nil, fmt.Errorf("emulator: end %s is not after start %s", end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	seed := c.seed
	if o.seedSet {
		seed = o.seed
	}
	members, err := layout(c, o)
	if err != nil {
		return nil, err
	}
	p := &plan{start: start, end: end}
	for i, m := range members {
		ss := newSysSim(i, m.name, m.ip, m.t, c, seed, start, end)
		ss.run()
		p.systems = append(p.systems, planSystem{name: m.name, ip: m.ip, initial: ss.initial, level: ss.initialLevel})
		p.items = append(p.items, ss.items...)
	}
	// (at, system, seq) is unique, so an unstable sort is enough.
	slices.SortFunc(p.items, func(a, b item) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		if a.sys != b.sys {
			return a.sys - b.sys
		}
		return a.seq - b.seq
	})
	return p, nil
}

// member is a system of the fleet: a template with its own name and
// address.
type member struct {
	name string
	ip   netip.Addr
	t    *template
}

// layout names and addresses the fleet: WithFleet's n systems, cycling
// through the templates.
func layout(c *compiled, o *options) ([]member, error) {
	n := o.fleet
	if n == 0 {
		n = len(c.templates)
	}
	if n > maxSystems {
		return nil, fmt.Errorf("emulator: fleet of %d systems: at most %d", n, maxSystems)
	}
	out := make([]member, 0, n)
	names := map[string]bool{}
	ip := o.baseIP
	for i := range n {
		t := &c.templates[i%len(c.templates)]
		name := t.name
		if cycle := i / len(c.templates); cycle > 0 {
			name += "-" + strconv.Itoa(cycle+1)
		}
		if names[name] {
			return nil, fmt.Errorf("emulator: fleet: system name %q repeats; rename the template", name)
		}
		names[name] = true
		if i > 0 {
			ip = ip.Next()
		}
		if !usableAddr(ip) {
			return nil, fmt.Errorf("emulator: fleet: address %q of system %d is not a unicast IPv4 address", ip, i)
		}
		out = append(out, member{name: name, ip: ip, t: t})
	}
	return out, nil
}

// usableAddr reports whether a system may send from a: an IPv4 unicast
// address (any of 127.0.0.0/8 on Linux; others must be configured on the
// host).
func usableAddr(a netip.Addr) bool {
	return a.Is4() && !a.IsUnspecified() && !a.IsMulticast() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// pending is an action due at a time; prio orders actions due together.
type pending struct {
	at    time.Time
	prio  int
	order int
	fn    func(at time.Time)
}

// Priorities of actions due at the same moment.
const (
	prioEvent    = iota // scenario events, boots, calendar raises
	prioEscalate        // schedule escalations
	prioRemind          // daily reminders
	prioClear           // other alarms ending
	prioNoise           // ordinary records, other alarms starting
)

func (p *pending) before(q *pending) bool {
	if c := p.at.Compare(q.at); c != 0 {
		return c < 0
	}
	if p.prio != q.prio {
		return p.prio < q.prio
	}
	return p.order < q.order
}

type pendingHeap []*pending

func (h pendingHeap) Len() int           { return len(h) }
func (h pendingHeap) Less(i, j int) bool { return h[i].before(h[j]) }
func (h pendingHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)        { *h = append(*h, x.(*pending)) }
func (h *pendingHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// sysSim simulates one system.
type sysSim struct {
	s         *system
	t         *template
	rng       *rand.Rand
	noise     Noise
	simStart  time.Time
	emitFrom  time.Time
	end       time.Time
	q         pendingHeap
	order     int
	items     []item
	seq       int
	last      time.Time // when the system last sent
	cursor    time.Time // when the current action's next message goes
	nominal   time.Time // when the current action happens
	upgrade   *Release
	lastState *snapshot // what the agent shows after the last item

	initial      *snapshot
	initialLevel LevelChange
}

func newSysSim(i int, name string, ip netip.Addr, t *template, c *compiled, seed uint64, start, end time.Time) *sysSim {
	rng := rand.New(rand.NewPCG(seed, uint64(i)*0x9E3779B97F4A7C15+1))
	simStart := c.start
	if start.Before(simStart) {
		simStart = start
	}
	s := &system{
		index: i, name: name, ip: ip, release: t.release, platform: t.platform, sched: t.sched,
		patched: t.patched, dlm: t.dlm, detectAt: t.detectAt, loc: t.loc, lic: t.licences,
		alarms: map[int]int{}, almLevel: 1, almSince: simStart,
		// The system has been up for a while when the scenario starts.
		bootAt: simStart.Add(-time.Duration(1+rng.IntN(90)) * day),
	}
	if s.detectAt < 0 {
		// Detected in the working day's first hours: modelled.
		s.detectAt = time.Duration(rng.IntN(6*3600)) * time.Second
	}
	for k := range s.logNum {
		s.logNum[k] = rng.IntN(900000)
	}
	return &sysSim{s: s, t: t, rng: rng, noise: c.noise, simStart: simStart, emitFrom: start, end: end}
}

func (ss *sysSim) push(at time.Time, prio int, fn func(time.Time)) {
	ss.order++
	heap.Push(&ss.q, &pending{at: at, prio: prio, order: ss.order, fn: fn})
}

func (ss *sysSim) run() {
	for i := range ss.t.events {
		e := &ss.t.events[i]
		ss.push(e.at, prioEvent, func(at time.Time) { ss.apply(e, at) })
	}
	if cal := ss.s.sched.Calendar; cal != nil {
		first := cal.Raise.Add(ss.s.detectAt)
		ss.push(later(first, ss.simStart), prioEvent, func(at time.Time) { ss.calendarRaise(first, at) })
	}
	ss.startNoise()
	for {
		p := ss.nextAction()
		if p == nil || p.at.After(ss.end) {
			break
		}
		if ss.initial == nil && !p.at.Before(ss.emitFrom) {
			ss.captureInitial()
		}
		ss.nominal = p.at
		ss.cursor = later(p.at.Add(ss.jitter()), ss.last)
		p.fn(p.at)
		ss.stateChanged()
	}
	if ss.initial == nil {
		ss.captureInitial()
	}
}

func (ss *sysSim) captureInitial() {
	ss.initial = ss.s.makeSnapshot()
	ss.lastState = ss.initial
	ss.initialLevel = LevelChange{Level: LevelClear, At: ss.emitFrom}
	if v := ss.s.vio; v != nil {
		ss.initialLevel = LevelChange{Level: v.level, At: ss.emitFrom, Day: dayOf(v.first, ss.emitFrom)}
	}
}

// nextAction returns the action due first: a queued one, or the
// violation's next escalation or reminder (computed, as they depend on the
// state). While the system is down only queued actions happen; the boot
// catches up.
func (ss *sysSim) nextAction() *pending {
	var best *pending
	if len(ss.q) > 0 {
		best = ss.q[0]
	}
	consider := func(p *pending) {
		if best == nil || p.before(best) {
			best = p
		}
	}
	if v := ss.s.vio; v != nil && ss.s.downUntil.IsZero() {
		if t, ok := ss.s.sched.Next(v.first, ss.nominal, v.level, v.causes[0].cause, ss.s.overPercent()); ok {
			consider(&pending{at: t.At, prio: prioEscalate, fn: func(at time.Time) { ss.escalate(t.Level, at) }})
		}
		consider(&pending{at: nextReminder(v.first, ss.nominal), prio: prioRemind, fn: ss.remind})
	}
	if best != nil && len(ss.q) > 0 && best == ss.q[0] {
		heap.Pop(&ss.q)
	}
	return best
}

// nextReminder is the first moment after now at the time of day of
// first detection.
func nextReminder(first, now time.Time) time.Time {
	n := now.Sub(first)/day + 1
	return first.Add(n * day)
}

func (ss *sysSim) jitter() time.Duration {
	// Whole seconds, as records carry their time to the second.
	if j := int64(time.Duration(ss.noise.Jitter) / time.Second); j > 0 {
		return time.Duration(ss.rng.Int64N(j+1)) * time.Second
	}
	return 0
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}
