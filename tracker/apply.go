package tracker

import (
	"time"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/licence"
)

// Schedules chooses each system's escalation schedule: by system name,
// else Default ("default" when empty). A violation caused by the
// certificate update follows "cert-2020", whose calendar lock date is
// what Mitel announced.
type Schedules struct {
	Default  string
	BySystem map[string]string
}

func (s Schedules) lookup(system string, cause events.Cause) *licence.Schedule {
	name := s.BySystem[system]
	if name == "" {
		name = s.Default
	}
	if name == "" {
		name = "default"
	}
	if name == "default" && cause == events.CauseCertificateUpdate {
		name = "cert-2020"
	}
	sc, err := licence.LookupSchedule(name)
	if err != nil { // names are checked when the tracker starts
		sc, _ = licence.LookupSchedule("default")
	}
	return sc
}

// Apply returns the state after event e, stored at stream sequence seq,
// and the transition it caused, if any. It is a pure function: applying
// the same events in the same order gives the same state, and an event at
// or below the state's last sequence changes nothing.
func Apply(st State, e *events.Event, seq uint64, sched Schedules, now time.Time) (State, *Transition) {
	if seq != 0 && seq <= st.LastSeq {
		return st, nil
	}
	d := &e.Data
	if st.System == "" {
		st.System, st.Level, st.Calls = d.System, events.SeverityCleared, CallsNormal
	}
	if st.Sources == nil {
		st.Sources = map[string]Source{}
	}
	st.LastSeq, st.LastEventID, st.UpdatedAt = seq, e.ID, now
	at := e.Time
	if at.After(st.LastEventAt) {
		st.LastEventAt = at
	}
	st.Stale = false
	if d.Release != "" {
		st.Release = d.Release
	}
	src := sourceOf(d)
	// A record older than the newest record already applied (a publish
	// retried after a NATS hiccup lands late in the stream) says what the
	// level was then, not now: keep it out of the level.
	outOfDate := d.Kind == events.KindLicence && src != "trap" && at.Before(newestRecord(st))
	if s := d.SNMP; s != nil && s.AlarmLevel != nil {
		st.Sources[src] = Source{Level: d.Severity, At: at, EventID: e.ID, AlarmLevel: *s.AlarmLevel, Ambiguous: s.LevelAmbiguous}
	} else if d.Kind == events.KindLicence && !outOfDate {
		st.Sources[src] = Source{Level: d.Severity, At: at, EventID: e.ID}
	}
	if d.Kind != events.KindLicence || outOfDate {
		return st, nil
	}
	lvl, uncertain, possible := combine(st, d)
	prev := st.Level
	st.LevelUncertain, st.PossibleLevels = uncertain, possible
	if d.Cause != "" && d.Cause != events.CauseUnknown || st.Cause == "" {
		st.Cause = d.Cause
	}
	if lvl == events.SeverityCleared {
		st.Level, st.Calls = lvl, CallsNormal
		st.FirstDetectedAt, st.Day, st.NextLevel, st.NextEscalationAt, st.SystemLockAt = nil, 0, "", nil, nil
		if prev != lvl {
			st.LevelSince = ptr(at)
		}
		return st, transition(prev, st, at)
	}
	if d.FirstDetectedAt != nil {
		st.FirstDetectedAt = ptr(d.FirstDetectedAt.UTC())
	} else if st.FirstDetectedAt == nil || prev == events.SeverityCleared {
		st.FirstDetectedAt = ptr(at)
	}
	st.Level = lvl
	if prev != lvl || st.LevelSince == nil {
		st.LevelSince = ptr(at)
	}
	st.Day = d.Day
	if st.Day == 0 {
		st.Day = licence.DayOf(*st.FirstDetectedAt, at)
	}
	st.Calls = CallsNormal
	if lvl == events.SeveritySystemLock {
		st.Calls = CallsEmergencyOnly
	}
	predict(&st, sched.lookup(st.System, st.Cause), at)
	return st, transition(prev, st, at)
}

// newestRecord is the time of the newest log or log-stream record applied.
func newestRecord(st State) time.Time {
	var t time.Time
	for _, k := range []string{"log", "logstream"} {
		if s, ok := st.Sources[k]; ok && s.At.After(t) {
			t = s.At
		}
	}
	return t
}

// combine decides the level after a licence event. Logs and log streams
// state the level; a trap's level cannot tell Warning from Clear, nor
// System Lock from Critical, so a trap never overrides what a log record
// said when the two agree, and otherwise the state is marked uncertain.
func combine(st State, d *events.Data) (events.Severity, bool, []events.Severity) {
	if d.Transport != events.TransportSNMP {
		return d.Severity, false, nil
	}
	switch d.Severity {
	case events.SeverityCritical:
		if st.Level == events.SeveritySystemLock {
			return st.Level, false, nil
		}
		return events.SeverityCritical, true, []events.Severity{events.SeverityCritical, events.SeveritySystemLock}
	case events.SeverityCleared:
		if st.Level == events.SeverityCleared {
			return st.Level, false, nil
		}
		// Still in violation at Warning, or cleared: keep the violation
		// in view until a record says which.
		return events.SeverityWarning, true, []events.Severity{events.SeverityCleared, events.SeverityWarning}
	}
	return d.Severity, false, nil
}

// predict fills the next escalation and the System Lock time.
func predict(st *State, sc *licence.Schedule, at time.Time) {
	st.Schedule, st.NextLevel, st.NextEscalationAt, st.SystemLockAt = sc.Name, "", nil, nil
	cur, ok := levelOf(st.Level)
	if !ok || st.FirstDetectedAt == nil {
		return
	}
	if cur == licence.LevelSystemLock {
		st.SystemLockAt = st.LevelSince
		return
	}
	// The over-allocation share is not in the events: assume the lock
	// condition of the legacy schedule holds, so the lock is not missed.
	if next, ok := sc.Next(*st.FirstDetectedAt, at, cur, st.Cause, 100); ok {
		st.NextLevel, st.NextEscalationAt = next.Level.Severity(), ptr(next.At)
	}
	for _, t := range sc.Transitions(*st.FirstDetectedAt, st.Cause, 100) {
		if t.Level == licence.LevelSystemLock {
			st.SystemLockAt = ptr(t.At)
		}
	}
}

func transition(prev events.Severity, st State, at time.Time) *Transition {
	if prev == st.Level {
		return nil
	}
	return &Transition{System: st.System, Previous: prev, State: st, At: at}
}

func sourceOf(d *events.Data) string {
	switch d.Transport {
	case events.TransportSNMP:
		return "trap"
	case events.TransportLogstream:
		return "logstream"
	}
	return "log"
}

// StateEvent is the transition as an event of kind state. Its id depends
// only on the system, the new level and when it was reached, so trackers
// that publish the same transition store it once.
func (t *Transition) StateEvent() events.Event {
	st := t.State
	sev := st.Level
	d := events.Data{
		System: st.System, Kind: events.KindState, Severity: sev, Transport: events.TransportTracker,
		ReceivedAt: t.At, Recognised: true,
		Message: st.System + " licence level " + string(t.Previous) + " -> " + string(sev),
		State: &events.StateChange{
			PreviousLevel: t.Previous, Level: sev, NextLevel: st.NextLevel,
			NextEscalationAt: st.NextEscalationAt, SystemLockAt: st.SystemLockAt,
		},
	}
	key := []byte(st.System + "\x00" + string(sev) + "\x00" + t.At.UTC().Format(time.RFC3339Nano))
	e := events.New(d, "tracker", key, t.At)
	e.Source = "/pbxalarm/tracker"
	e.Data.Raw, e.Data.RawBase64 = "", false
	if sev == events.SeverityCleared {
		e.Type = events.TypeStateCleared
	}
	return e
}

// StaleEvent says a system in violation has gone quiet.
func StaleEvent(st State, at time.Time) events.Event {
	d := events.Data{
		System: st.System, Kind: events.KindState, Severity: st.Level, Transport: events.TransportTracker,
		ReceivedAt: at, Recognised: true,
		Message: st.System + " in licence violation has sent nothing since " + st.LastEventAt.UTC().Format(time.RFC3339),
		State: &events.StateChange{PreviousLevel: st.Level, Level: st.Level, NextLevel: st.NextLevel,
			NextEscalationAt: st.NextEscalationAt, SystemLockAt: st.SystemLockAt},
	}
	key := []byte(st.System + "\x00stale\x00" + st.LastEventAt.UTC().Format(time.RFC3339Nano))
	e := events.New(d, "tracker", key, at)
	e.Source, e.Type = "/pbxalarm/tracker", events.TypeStateStale
	e.Data.Raw = ""
	return e
}
