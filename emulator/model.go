package emulator

import (
	"net/netip"
	"slices"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
)

// system is one virtual MiVB: its identity and its state as the
// simulation goes.
type system struct {
	index    int
	name     string
	ip       netip.Addr
	release  Release
	platform string
	sched    *Schedule
	patched  bool
	dlm      bool
	detectAt time.Duration
	loc      *time.Location // of the system's clock
	lic      [numLicenceTypes]LicenceCount

	vio       *violation
	alarms    map[int]int // ordinary category index -> alarm level 2..4
	key       snapKey     // what snap was made from
	almLevel  int         // the overall alarm level last announced, 1..4
	almSince  time.Time
	bootAt    time.Time
	downUntil time.Time // zero when up
	logNum    [2]int
	snap      *snapshot
}

// violation is a licence violation in progress.
type violation struct {
	first  time.Time
	level  Level
	floor  Level // the level a more severe event raised it to
	causes []vcause
}

// vcause is one reason a violation lasts; the first one is what records
// state.
type vcause struct {
	cause events.Cause
	text  string
}

func (v *violation) has(c events.Cause) bool {
	return slices.ContainsFunc(v.causes, func(x vcause) bool { return x.cause == c })
}

// find returns the cause that vc repeats: the same cause, or for other
// causes the same words.
func (v *violation) find(vc vcause) *vcause {
	for i := range v.causes {
		if x := &v.causes[i]; x.cause == vc.cause && (vc.cause != events.CauseOther || x.text == vc.text) {
			return x
		}
	}
	return nil
}

// Calls allowed, as Summary reports them.
const (
	callsNormal        = "normal"
	callsEmergencyOnly = "emergency_only"
)

// snapshot is what the system's SNMP agent shows; it never changes once
// made, so plan items may share it.
type snapshot struct {
	release  Release
	descr    string
	bootAt   time.Time
	almLevel int
	almSince time.Time
	rows     []catRow
	lic      [numLicenceTypes]LicenceCount
	calls    string // calls allowed: normal, or emergency_only at System Lock
}

// catRow is one row of the alarm category table.
type catRow struct {
	index       int
	name        string
	level       int
	available   int
	unavailable int
	thresh      [3]int
}

// overPercent is the over-allocated licences as a percentage of all
// purchased licences (3300-legacy's System Lock condition).
func (s *system) overPercent() float64 {
	over, purchased := 0, 0
	for _, l := range s.lic {
		over += max(0, l.Used-l.Purchased)
		purchased += l.Purchased
	}
	if over == 0 {
		return 0
	}
	if purchased == 0 {
		return 100
	}
	return 100 * float64(over) / float64(purchased)
}

// overused returns the first licence type used beyond its purchase.
func (s *system) overused() (int, bool) {
	for i, l := range s.lic {
		if l.Used > l.Purchased {
			return i, true
		}
	}
	return 0, false
}

// licenceCategory is the name of the licence row for a cause. It names
// the cause so that a manager reading the table back can tell why.
func licenceCategory(c events.Cause) string {
	switch c {
	case events.CauseCertificateUpdate:
		return "License Violation - Security Certificate Update"
	case events.CauseLicenceOveruse:
		return "License Violation - Over-allocation"
	case events.CauseLicenceExpired:
		return "License Violation - License Expired"
	}
	return "License Violation"
}

// readBackCause is the cause a receiver can tell from the licence row's
// name: the row of another cause names none.
func readBackCause(c events.Cause) events.Cause {
	if licenceCategory(c) == licenceCategory(events.CauseOther) {
		return events.CauseUnknown
	}
	return c
}

// overallAlarm is the alarm level the system shows: the highest of its
// categories.
func (s *system) overallAlarm() int {
	l := 1
	if s.vio != nil {
		l = s.vio.level.AlarmLevel()
	}
	for _, a := range s.alarms {
		l = max(l, a)
	}
	return l
}

// snapKey is everything a snapshot is made from: comparing keys is how a
// snapshot is reused when nothing changed, without building a new one.
type snapKey struct {
	release  Release
	bootAt   time.Time
	almLevel int
	almSince time.Time
	lic      [numLicenceTypes]LicenceCount
	alarms   [len(categoryRows)]int
	vioLevel Level
	vioCause events.Cause
}

func (s *system) snapKey() snapKey {
	k := snapKey{release: s.release, bootAt: s.bootAt, almLevel: s.almLevel, almSince: s.almSince, lic: s.lic, vioLevel: -1}
	for i, a := range s.alarms {
		k.alarms[i] = a
	}
	if s.vio != nil {
		k.vioLevel, k.vioCause = s.vio.level, s.vio.causes[0].cause
	}
	return k
}

// makeSnapshot records what the agent shows now, reusing the previous
// snapshot when nothing changed.
func (s *system) makeSnapshot() *snapshot {
	key := s.snapKey()
	if s.snap != nil && key == s.key {
		return s.snap
	}
	s.key = key
	n := &snapshot{
		release: s.release, descr: sysDescr(s.release, s.platform, s.ip.String()), bootAt: s.bootAt,
		almLevel: s.almLevel, almSince: s.almSince, lic: s.lic, calls: callsNormal,
	}
	for i, c := range categoryRows {
		row := catRow{index: i + 1, name: c.name, level: 1, available: c.available, thresh: c.thresh}
		if c.available == 0 {
			row.available = s.lic[licIPUser].Used
		}
		if a, ok := s.alarms[i]; ok {
			row.level = a
			row.unavailable = max(1, row.available*c.thresh[a-2]/100)
		}
		n.rows = append(n.rows, row)
	}
	if s.vio != nil {
		n.rows = append(n.rows, catRow{index: licenceRowIndex, name: licenceCategory(s.vio.causes[0].cause), level: s.vio.level.AlarmLevel()})
		if s.vio.level == LevelSystemLock {
			n.calls = callsEmergencyOnly
		}
	}
	s.snap = n
	return n
}
