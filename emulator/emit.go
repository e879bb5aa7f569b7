package emulator

import (
	"fmt"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
)

// add appends a message at the action's cursor, with the state the agent
// shows from then on; what falls before the run's start is simulated but
// not sent.
func (ss *sysSim) add(it item) {
	it.at, it.sys, it.seq = ss.cursor, ss.s.index, ss.seq
	it.state = ss.s.makeSnapshot()
	ss.lastState = it.state
	ss.seq++
	ss.last = it.at
	if it.at.Before(ss.emitFrom) || it.at.After(ss.end) {
		return
	}
	ss.items = append(ss.items, it)
}

// emitRecord writes a record, then maybe a malformed one, and moves the
// cursor one second on.
func (ss *sysSim) emitRecord(logType int, sev, src, mod, desc string, syslogSev int, m meaning, lc *LevelChange) {
	s := ss.s
	s.logNum[logType] = (s.logNum[logType] + 1) % 1000000
	r := &record{
		logType: logType, number: s.logNum[logType], severity: sev, at: ss.cursor.In(s.loc),
		source: src, module: mod, desc: desc, syslog: syslogSev, expect: m,
	}
	ss.add(item{kind: itemRecord, rec: r, level: lc})
	if share := ss.noise.MalformedShare; share > 0 && ss.rng.Float64() < share {
		ss.add(item{kind: itemMalformed, raw: ss.garbage()})
	}
	ss.cursor = ss.cursor.Add(time.Second)
}

func (ss *sysSim) emitTrap(t *trapMsg) { ss.add(item{kind: itemTrap, trap: t}) }

// ordinary writes a record that is neither licence, alarm nor system.
func (ss *sysSim) ordinary(logType int, o ordinaryRecord) {
	ss.emitRecord(logType, o.severity, o.source, o.module, o.text, ownSyslog(o.severity),
		meaning{kind: events.KindLog, severity: ownSeverity(o.severity), recognised: true}, nil)
}

// stateChanged adds a message-less item when an action changed what the
// agent shows without sending anything, so that the agent follows.
func (ss *sysSim) stateChanged() {
	if ss.s.makeSnapshot() != ss.lastState {
		ss.add(item{kind: itemState})
	}
}

// garbage returns bytes that are not a record (see malformedText): half
// of the time printable, else binary and mostly not UTF-8.
func (ss *sysSim) garbage() []byte {
	n := 16 + ss.rng.IntN(100)
	b := make([]byte, n)
	b[0] = malformedFirst[ss.rng.IntN(len(malformedFirst))]
	text := ss.rng.IntN(2) == 0
	for i := 1; i < n; i++ {
		if text {
			b[i] = malformedText[ss.rng.IntN(len(malformedText))]
			continue
		}
		for {
			c := byte(1 + ss.rng.IntN(255))
			if c != '\n' && c != '\r' && !(c|0x20 >= 'a' && c|0x20 <= 'z') {
				b[i] = c
				break
			}
		}
	}
	return b
}

// startNoise schedules the ordinary records and other alarms, from the
// run's start: noise before it would never be sent.
func (ss *sysSim) startNoise() {
	from := later(ss.simStart, ss.emitFrom)
	n := ss.noise
	ss.poisson(from, n.RecordsPerDay, func() {
		o := maintRecords[ss.rng.IntN(len(maintRecords))]
		ss.ordinary(logMaint, ss.numbered(o))
	})
	ss.poisson(from, n.SoftwarePerDay, func() {
		o := softRecords[ss.rng.IntN(len(softRecords))]
		ss.ordinary(logSoft, ss.numbered(o))
	})
	ss.poisson(from, n.AlarmsPerWeek/7, func() {
		var free []int
		for i := range categoryRows {
			if _, on := ss.s.alarms[i]; !on {
				free = append(free, i)
			}
		}
		if len(free) == 0 {
			return
		}
		alm := 2
		switch r := ss.rng.Float64(); {
		case r > 0.9:
			alm = 4
		case r > 0.6:
			alm = 3
		}
		dur := 20*time.Minute + time.Duration(ss.rng.Int64N(8*3600))*time.Second
		ss.raiseAlarm(free[ss.rng.IntN(len(free))], alm, dur)
	})
}

// poisson runs fn at random moments, perDay times a day on average, while
// the system is up.
func (ss *sysSim) poisson(from time.Time, perDay float64, fn func()) {
	if perDay <= 0 {
		return
	}
	var tick func(time.Time)
	next := func(t time.Time) time.Time {
		return t.Add(time.Duration(ss.rng.ExpFloat64() / perDay * float64(day))).Truncate(time.Second)
	}
	tick = func(at time.Time) {
		if ss.s.downUntil.IsZero() {
			fn()
		}
		ss.push(next(at), prioNoise, tick)
	}
	ss.push(next(from), prioNoise, tick)
}

func (ss *sysSim) numbered(o ordinaryRecord) ordinaryRecord {
	if o.n > 0 {
		o.text = fmt.Sprintf(o.text, 1+ss.rng.IntN(o.n))
	}
	return o
}
