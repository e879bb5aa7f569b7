package tracker

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
)

var t0 = time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC)

func day(n int) time.Time { return t0.Add(time.Duration(n-1) * 24 * time.Hour) }

// licenceEvent builds an event as the ingester publishes it.
func licenceEvent(system string, tr events.Transport, sev events.Severity, cause events.Cause, at time.Time, dayN int) events.Event {
	d := events.Data{System: system, Kind: events.KindLicence, Severity: sev, Transport: tr,
		Peer: "10.0.0.1:514", ReceivedAt: at, Recognised: true, Cause: cause, Day: dayN,
		FirstDetectedAt: ptr(t0), Message: string(sev)}
	if tr == events.TransportSNMP {
		lvl := map[events.Severity]int{events.SeverityCleared: 1, events.SeverityMinor: 2, events.SeverityMajor: 3, events.SeverityCritical: 4}[sev]
		d.SNMP = &events.SNMP{Version: "2c", PDU: "trap", AlarmLevel: &lvl, LevelAmbiguous: lvl == 1 || lvl == 4, Enriched: true}
		d.Day, d.FirstDetectedAt = 0, nil
	}
	return events.New(d, "10.0.0.1", []byte(system+string(tr)+string(sev)+at.String()), at)
}

func applyAll(t *testing.T, sched Schedules, evs ...events.Event) (State, []*Transition) {
	t.Helper()
	var st State
	var trs []*Transition
	for i := range evs {
		var tr *Transition
		st, tr = Apply(st, &evs[i], uint64(i+1), sched, t0)
		if tr != nil {
			trs = append(trs, tr)
		}
	}
	return st, trs
}

func TestApply_CertificateUpdateEscalatesToTheAnnouncedLock(t *testing.T) {
	sys, cert, syslog := "MIVB-HQ", events.CauseCertificateUpdate, events.TransportSyslog
	lock := time.Date(2020, 9, 11, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		sev      events.Severity
		day      int
		next     events.Severity
		nextAt   time.Time
		calls    string
		lockedAt time.Time
	}{
		{events.SeverityWarning, 1, events.SeverityMinor, t0.Add(2 * 24 * time.Hour), CallsNormal, lock},
		{events.SeverityMinor, 3, events.SeverityMajor, t0.Add(7 * 24 * time.Hour), CallsNormal, lock},
		{events.SeverityMajor, 8, events.SeverityCritical, t0.Add(14 * 24 * time.Hour), CallsNormal, lock},
		{events.SeverityCritical, 15, events.SeveritySystemLock, lock, CallsNormal, lock},
		{events.SeveritySystemLock, 22, "", time.Time{}, CallsEmergencyOnly, lock},
	}
	var st State
	for i, s := range steps {
		e := licenceEvent(sys, syslog, s.sev, cert, day(s.day), s.day)
		if s.sev == events.SeveritySystemLock {
			e = licenceEvent(sys, syslog, s.sev, cert, lock, s.day)
		}
		var tr *Transition
		st, tr = Apply(st, &e, uint64(i+1), Schedules{}, t0)
		require.NotNil(t, tr, "step %s is a transition", s.sev)
		assert.Equal(t, s.sev, st.Level)
		assert.Equal(t, s.day, st.Day)
		assert.Equal(t, "cert-2020", st.Schedule)
		assert.Equal(t, s.next, st.NextLevel, "next after %s", s.sev)
		if !s.nextAt.IsZero() {
			require.NotNil(t, st.NextEscalationAt)
			assert.Equal(t, s.nextAt, *st.NextEscalationAt, "next escalation after %s", s.sev)
		}
		require.NotNil(t, st.SystemLockAt)
		assert.Equal(t, s.lockedAt, *st.SystemLockAt, "the 2020 lock date")
		assert.Equal(t, s.calls, st.Calls)
		assert.Equal(t, t0, *st.FirstDetectedAt)
	}
	ev := licenceEvent(sys, syslog, events.SeverityCleared, cert, lock.Add(14*time.Hour), 22)
	st, tr := Apply(st, &ev, 99, Schedules{}, t0)
	require.NotNil(t, tr)
	assert.Equal(t, events.SeverityCleared, st.Level)
	assert.Nil(t, st.SystemLockAt, "clearing ends the countdown")
	assert.Nil(t, st.NextEscalationAt)
	assert.Equal(t, CallsNormal, st.Calls)
	se := tr.StateEvent()
	require.NoError(t, se.Validate())
	assert.Equal(t, events.TypeStateCleared, se.Type)
	assert.Equal(t, "pbx.mivb-hq.state.cleared", se.NATSSubject("pbx"))
}

func TestApply_DefaultAndLegacySchedules(t *testing.T) {
	over := events.CauseLicenceOveruse
	st, _ := applyAll(t, Schedules{}, licenceEvent("A", events.TransportSyslog, events.SeverityWarning, over, day(1), 1))
	assert.Equal(t, "default", st.Schedule)
	assert.Equal(t, t0.Add(36*24*time.Hour), *st.SystemLockAt, "default: System Lock on day 36")
	st, _ = applyAll(t, Schedules{BySystem: map[string]string{"A": "3300-legacy"}},
		licenceEvent("A", events.TransportSyslog, events.SeverityWarning, over, day(1), 1))
	assert.Equal(t, "3300-legacy", st.Schedule)
	assert.Equal(t, events.SeverityMinor, st.NextLevel)
	assert.Equal(t, t0.Add(15*24*time.Hour), *st.NextEscalationAt, "legacy: Minor after 15 days")
	assert.Equal(t, t0.Add(30*24*time.Hour), *st.SystemLockAt, "legacy: System Lock after 30 days")
}

func TestApply_TrapsNeverInventALevel(t *testing.T) {
	cert := events.CauseCertificateUpdate
	// A trap alone at critical: critical or System Lock.
	st, _ := applyAll(t, Schedules{}, licenceEvent("A", events.TransportSNMP, events.SeverityCritical, cert, day(15), 0))
	assert.Equal(t, events.SeverityCritical, st.Level)
	assert.True(t, st.LevelUncertain)
	assert.Equal(t, []events.Severity{events.SeverityCritical, events.SeveritySystemLock}, st.PossibleLevels)
	// A log said System Lock: a critical trap agrees, nothing changes.
	st, trs := applyAll(t, Schedules{},
		licenceEvent("A", events.TransportSyslog, events.SeveritySystemLock, cert, day(22), 22),
		licenceEvent("A", events.TransportSNMP, events.SeverityCritical, cert, day(22), 0))
	assert.Equal(t, events.SeveritySystemLock, st.Level)
	assert.False(t, st.LevelUncertain)
	assert.Len(t, trs, 1)
	assert.Equal(t, 4, st.Sources["trap"].AlarmLevel)
	assert.Equal(t, events.SeveritySystemLock, st.Sources["log"].Level)
	// A clear trap after Minor: cleared or still Warning; kept in view.
	st, _ = applyAll(t, Schedules{},
		licenceEvent("A", events.TransportSyslog, events.SeverityMinor, cert, day(3), 3),
		licenceEvent("A", events.TransportSNMP, events.SeverityCleared, cert, day(4), 0))
	assert.Equal(t, events.SeverityWarning, st.Level)
	assert.Equal(t, []events.Severity{events.SeverityCleared, events.SeverityWarning}, st.PossibleLevels)
	// and a cleared record settles it
	ev := licenceEvent("A", events.TransportSyslog, events.SeverityCleared, cert, day(5), 5)
	st, _ = Apply(st, &ev, 10, Schedules{}, t0)
	assert.Equal(t, events.SeverityCleared, st.Level)
	assert.False(t, st.LevelUncertain)
}

func TestApply_IdempotentBySequence(t *testing.T) {
	e := licenceEvent("A", events.TransportSyslog, events.SeverityMinor, events.CauseLicenceExpired, day(3), 3)
	st, tr := Apply(State{}, &e, 5, Schedules{}, t0)
	require.NotNil(t, tr)
	again, tr2 := Apply(st, &e, 5, Schedules{}, t0.Add(time.Hour))
	assert.Nil(t, tr2)
	assert.Equal(t, st, again, "an event at or below last_seq changes nothing")
	older := licenceEvent("A", events.TransportSyslog, events.SeverityCritical, events.CauseLicenceExpired, day(15), 15)
	again, _ = Apply(st, &older, 4, Schedules{}, t0)
	assert.Equal(t, st, again)
}

func TestApply_AlarmsAndSystemsKeepTheLevel(t *testing.T) {
	e := licenceEvent("A", events.TransportSyslog, events.SeverityMajor, events.CauseLicenceOveruse, day(8), 8)
	st, _ := Apply(State{}, &e, 1, Schedules{}, t0)
	alarm := events.New(events.Data{System: "A", Kind: events.KindAlarm, Severity: events.SeverityCritical,
		Transport: events.TransportSyslog, ReceivedAt: day(9), Release: "9.0 SP2"}, "10.0.0.1", []byte("x"), day(9))
	st2, tr := Apply(st, &alarm, 2, Schedules{}, t0)
	assert.Nil(t, tr)
	assert.Equal(t, events.SeverityMajor, st2.Level)
	assert.Equal(t, "9.0 SP2", st2.Release)
	assert.Equal(t, uint64(2), st2.LastSeq)
}

func TestStateEvent_SameTransitionSameID(t *testing.T) {
	e := licenceEvent("A", events.TransportSyslog, events.SeverityMinor, events.CauseLicenceOveruse, day(3), 3)
	_, tr1 := Apply(State{}, &e, 1, Schedules{}, t0)
	_, tr2 := Apply(State{}, &e, 7, Schedules{}, t0.Add(time.Hour))
	assert.Equal(t, tr1.StateEvent().ID, tr2.StateEvent().ID)
	se := tr1.StateEvent()
	require.NoError(t, se.Validate())
	assert.Equal(t, events.TypeStateEscalated, se.Type)
	assert.Equal(t, events.SeverityCleared, se.Data.State.PreviousLevel)
}

// A record that lands late in the stream (its publish was retried) does
// not take the level back to what it was when the record was written.
func TestApply_LateRecordDoesNotRegressTheLevel(t *testing.T) {
	cert := events.CauseCertificateUpdate
	st, trs := applyAll(t, Schedules{},
		licenceEvent("A", events.TransportSyslog, events.SeverityWarning, cert, day(1), 1),
		licenceEvent("A", events.TransportSyslog, events.SeverityMinor, cert, day(3), 3),
		licenceEvent("A", events.TransportSyslog, events.SeverityWarning, cert, day(2), 2), // late
		licenceEvent("A", events.TransportSyslog, events.SeverityMinor, cert, day(4), 4))
	assert.Equal(t, events.SeverityMinor, st.Level)
	assert.Equal(t, 4, st.Day)
	require.Len(t, trs, 2, "warning and minor, nothing for the late record")
	assert.Equal(t, uint64(4), st.LastSeq, "the late record is still applied, as a no-op")
}
