package mivb

import (
	"testing"

	"github.com/pbxalarm/pbxalarm/events"
)

func TestSeverityFromSyslog_MapsEveryLevel(t *testing.T) {
	tests := []struct {
		sev  *int
		want events.Severity
	}{
		{nil, events.SeverityInfo},
		{intp(0), events.SeverityCritical}, // emerg
		{intp(1), events.SeverityCritical}, // alert
		{intp(2), events.SeverityCritical}, // crit
		{intp(3), events.SeverityMajor},    // err
		{intp(4), events.SeverityWarning},  // warning
		{intp(5), events.SeverityInfo},     // notice
		{intp(6), events.SeverityInfo},     // info
		{intp(7), events.SeverityInfo},     // debug
		{intp(-1), events.SeverityInfo},    // out of range: not a syslog severity
		{intp(8), events.SeverityInfo},
	}
	for _, tt := range tests {
		name := "nil"
		if tt.sev != nil {
			name = string(rune('0' + *tt.sev))
			if *tt.sev < 0 {
				name = "negative"
			}
		}
		t.Run(name, func(t *testing.T) {
			if got := SeverityFromSyslog(tt.sev); got != tt.want {
				t.Errorf("SeverityFromSyslog(%v) = %s, want %s", name, got, tt.want)
			}
		})
	}
}

func TestRecognise_UnrecognisedTakesSyslogSeverity(t *testing.T) {
	for sev, want := range map[int]events.Severity{1: events.SeverityCritical, 3: events.SeverityMajor, 4: events.SeverityWarning, 6: events.SeverityInfo} {
		got := Recognise(Input{Text: "kernel: eth0 link down", SyslogSeverity: intp(sev)})
		if got.Recognised || got.Kind != events.KindLog || got.Severity != want {
			t.Errorf("syslog severity %d: got recognised=%v kind=%s severity=%s, want log %s", sev, got.Recognised, got.Kind, got.Severity, want)
		}
	}
}

func intp(n int) *int { return &n }
