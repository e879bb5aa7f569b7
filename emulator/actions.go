package emulator

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
)

// This file holds what happens to a system: scenario events, escalations,
// reminders, reboots and alarms, each writing the records and traps a
// MiVB would.

func (ss *sysSim) apply(e *event, at time.Time) {
	s := ss.s
	switch e.do {
	case doOveruse:
		s.lic[e.licence].Used = e.used
		if i, ok := s.overused(); ok {
			ss.raise(events.CauseLicenceOveruse, ss.overuseText(i), e.level, at)
			ss.catchUp(at) // more over-allocation may allow System Lock
		}
	case doAddLicences:
		s.lic[e.licence].Purchased = e.purchased
		if _, ok := s.overused(); !ok {
			ss.resolve(events.CauseLicenceOveruse, "over-allocation removed, licenses within purchased limits")
		}
	case doExpire:
		ss.raise(events.CauseLicenceExpired, fmt.Sprintf("license expired (%s, expiry %s)", e.what, at.In(s.loc).Format("2006/01/02")), e.level, at)
	case doRenew:
		ss.resolve(events.CauseLicenceExpired, "expired license renewed")
	case doCert:
		ss.raise(events.CauseCertificateUpdate, certText, e.level, at)
	case doViolation:
		ss.raise(events.CauseOther, e.what, e.level, at)
	case doResolve:
		ss.resolve(events.CauseOther, "condition corrected")
	case doPatch:
		s.patched = true
		ss.resolve(events.CauseCertificateUpdate, "Security Certificate Update patch applied")
	case doUpgrade, doReboot:
		ss.reboot(e, at)
	case doAlarm:
		ss.raiseAlarm(categoryByName(e.category), e.level.AlarmLevel(), e.dur)
	}
}

const certText = "Security Certificate Update not installed"

func (ss *sysSim) overuseText(i int) string {
	l := ss.s.lic[i]
	return fmt.Sprintf("licenses over-allocated (%s: %d in use, %d purchased)", licenceTypeNames[i], l.Used, l.Purchased)
}

// calendarRaise raises the certificate violation of a calendar schedule
// on an affected release without the patch; first is when it was
// detected, which is before at when the scenario starts later.
func (ss *sysSim) calendarRaise(first, at time.Time) {
	s := ss.s
	if !s.release.CertAffected() || s.patched {
		return
	}
	if !s.downUntil.IsZero() {
		// Detected when the system is back up.
		ss.push(s.downUntil, prioRemind, func(at time.Time) { ss.calendarRaise(first, at) })
		return
	}
	ss.raiseFrom(events.CauseCertificateUpdate, certText, LevelWarning, first, at)
}

func (ss *sysSim) raise(c events.Cause, text string, start Level, at time.Time) {
	ss.raiseFrom(c, text, start, at, at)
}

// raiseFrom records a licence-violation event: a new violation, or a
// second event during one, which escalates it when more severe.
func (ss *sysSim) raiseFrom(c events.Cause, text string, start Level, first, at time.Time) {
	s := ss.s
	vc := vcause{cause: c, text: text}
	v := s.vio
	switch {
	case v == nil:
		v = &violation{first: first, floor: start, causes: []vcause{vc}}
		v.level = max(start, s.sched.LevelAt(first, at, c, s.overPercent()))
		s.vio = v
		form := ""
		if dayOf(first, at) > 1 { // detected before the scenario began
			form = "reminder"
		}
		ss.licenceRecord(v, form, LevelClear, vc, true)
		ss.alarmEval()
	case v.find(vc) != nil:
		v.find(vc).text = text // records state the latest counts
	case start > v.level:
		prev := v.level
		v.level, v.floor = start, start
		v.causes = append([]vcause{vc}, v.causes...)
		ss.licenceRecord(v, "escalated", prev, vc, true)
		ss.alarmEval()
	default:
		v.causes = append(v.causes, vc)
		ss.licenceRecord(v, "", LevelClear, vc, false)
	}
}

// resolve removes a cause; the violation clears when none is left.
func (ss *sysSim) resolve(c events.Cause, remedy string) {
	v := ss.s.vio
	if v == nil || !v.has(c) {
		return
	}
	v.causes = slices.DeleteFunc(v.causes, func(x vcause) bool { return x.cause == c })
	if len(v.causes) > 0 {
		return // it goes on for its other causes
	}
	ss.s.vio = nil
	ss.licenceRecord(v, "cleared", v.level, vcause{cause: c, text: remedy}, true)
	ss.alarmEval()
}

func (ss *sysSim) escalate(l Level, at time.Time) {
	v := ss.s.vio
	prev := v.level
	v.level = l
	ss.licenceRecord(v, "escalated", prev, v.causes[0], true)
	ss.alarmEval()
}

// catchUp escalates to the level the schedule has reached by now, after
// a change that moved it (licences, a reboot); it reports whether it did.
func (ss *sysSim) catchUp(at time.Time) bool {
	s := ss.s
	v := s.vio
	if v == nil {
		return false
	}
	target := max(v.floor, s.sched.LevelAt(v.first, at, v.causes[0].cause, s.overPercent()))
	if target <= v.level {
		return false
	}
	ss.escalate(target, at)
	return true
}

func (ss *sysSim) remind(time.Time) {
	v := ss.s.vio
	ss.licenceRecord(v, "reminder", LevelClear, v.causes[0], false)
}

// licenceRecord writes a licence record of v for cause vc; changed says
// the record announces a new level.
func (ss *sysSim) licenceRecord(v *violation, form string, prev Level, vc vcause, changed bool) {
	s := ss.s
	lvl := v.level
	if form == "cleared" {
		lvl = LevelClear
	}
	d := licenceDesc{form: form, level: lvl, prev: prev, day: dayOf(v.first, ss.nominal), causeText: vc.text, first: v.first.In(s.loc)}
	if vc.cause == events.CauseCertificateUpdate && form != "cleared" {
		d.release = s.release.String()
	}
	if form == "reminder" {
		if t, ok := s.sched.Next(v.first, ss.nominal, v.level, v.causes[0].cause, s.overPercent()); ok {
			d.next, d.nextDay = &t, dayOf(v.first, t.At)
		}
	}
	src := "LicenseMgr"
	if s.dlm {
		src = "DLM"
	}
	var lc *LevelChange
	if changed {
		lc = &LevelChange{Level: lvl, At: ss.cursor, Day: d.day}
	}
	ss.emitRecord(logMaint, licenceRecordSeverity(lvl), src, "LMS", d.String(), licenceSyslog(lvl),
		meaning{kind: events.KindLicence, severity: lvl.Severity(), cause: vc.cause, day: d.day, recognised: true}, lc)
}

// alarmEval announces the overall alarm level when it changed: an alarm
// record and trap 301.
func (ss *sysSim) alarmEval() {
	s := ss.s
	l := s.overallAlarm()
	if l == s.almLevel {
		return
	}
	s.almLevel, s.almSince = l, ss.nominal
	snap := s.makeSnapshot()
	var names []string
	var rb *ReadBack
	for _, r := range snap.rows {
		if r.level > 1 {
			names = append(names, r.name)
		}
		if r.index == licenceRowIndex && r.level == l {
			rb = &ReadBack{Kind: events.KindLicence, Cause: readBackCause(s.vio.causes[0].cause)}
		}
	}
	ss.emitTrap(alarmTrap(s.name, l, ss.nominal, len(snap.rows), rb))
	desc := "Alarm level changed to Clear; no active alarm categories"
	if l > 1 {
		desc = fmt.Sprintf("Alarm level changed to %s; categories: %s", alarmWord(l), strings.Join(names, ", "))
	}
	ss.emitRecord(logMaint, alarmRecordSeverity(l), "AlarmMgr", "ALM", desc, alarmSyslog(l),
		meaning{kind: events.KindAlarm, severity: alarmSeverity(l), recognised: true}, nil)
}

func (ss *sysSim) systemRecord(sev, desc string) {
	ss.emitRecord(logMaint, sev, "SysMgr", "SYS", desc, ownSyslog(sev),
		meaning{kind: events.KindSystem, severity: ownSeverity(sev), recognised: true}, nil)
}

// reboot takes the system down: restart and shutdown records and trap
// 302 (none when power is lost), then the boot after e.dur.
func (ss *sysSim) reboot(e *event, at time.Time) {
	s := ss.s
	if !s.downUntil.IsZero() {
		return
	}
	c := e.reboot
	if c.shutdown != 0 {
		sev := sevWarning
		if c.fault {
			sev = sevError
		}
		ss.systemRecord(sev, "System restart initiated; cause: "+c.name)
		ss.systemRecord(sevError, "System shutdown; cause: "+c.name)
		ss.emitTrap(shutdownTrap(s.name, c))
	}
	if e.do == doUpgrade {
		ss.upgrade = &e.release
	}
	s.downUntil = at.Add(e.dur)
	ss.push(s.downUntil, prioEvent, func(at time.Time) { ss.boot(c, at) })
}

// boot brings the system back: restart-complete record, traps 303 and
// coldStart, then the alarms and the violation announced anew.
func (ss *sysSim) boot(c *rebootCause, at time.Time) {
	s := ss.s
	s.downUntil, s.bootAt = time.Time{}, at
	if ss.upgrade != nil {
		s.release, ss.upgrade = *ss.upgrade, nil
	}
	s.almLevel, s.almSince = 1, at
	ss.systemRecord(sevInfo, fmt.Sprintf("System restart complete; reset cause: %s; release %s", c.resetText, s.release))
	ss.emitTrap(restartTrap(s.name, c))
	ss.emitTrap(coldStartTrap())
	if v := s.vio; v != nil && v.has(events.CauseCertificateUpdate) && !s.release.CertAffected() {
		ss.resolve(events.CauseCertificateUpdate, "Security Certificate Update installed with release "+s.release.String())
	}
	escalated := ss.catchUp(at)
	ss.alarmEval()
	if s.vio != nil && !escalated {
		ss.remind(at)
	}
}

// raiseAlarm puts an ordinary category into alarm for dur.
func (ss *sysSim) raiseAlarm(idx, alm int, dur time.Duration) {
	s := ss.s
	if _, on := s.alarms[idx]; on || idx < 0 {
		return
	}
	row := categoryRows[idx]
	units := row.available
	if units == 0 {
		units = 48 // switch ports, for the IP phone rows
	}
	unit := ss.rng.IntN(units) + 1
	s.alarms[idx] = alm
	ss.ordinary(logMaint, ordinaryRecord{sevWarning, row.source, row.module, fmt.Sprintf(row.raise, unit), 0})
	ss.alarmEval()
	var clear func(time.Time)
	clear = func(time.Time) {
		if !s.downUntil.IsZero() {
			ss.push(s.downUntil, prioClear, clear) // cleared once the system is back
			return
		}
		delete(s.alarms, idx)
		ss.ordinary(logMaint, ordinaryRecord{sevInfo, row.source, row.module, fmt.Sprintf(row.clear, unit), 0})
		ss.alarmEval()
	}
	ss.push(ss.nominal.Add(dur), prioClear, clear)
}
