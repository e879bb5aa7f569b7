package mivb

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pbxalarm/pbxalarm/events"
)

// recordsDoc is the document that defines the record format.
const recordsDoc = "../../docs/RECORDS.md"

// docPRISeverities is the document's table of syslog severity by meaning,
// read backwards: the severities a PRI (facility local0) may stand for.
var docPRISeverities = map[int][]events.Severity{
	129: {events.SeveritySystemLock},
	130: {events.SeverityCritical},
	131: {events.SeverityMajor},
	132: {events.SeverityWarning, events.SeverityMinor},
	133: {events.SeverityCleared},
	134: {events.SeverityInfo},
}

var docPRI = regexp.MustCompile(`^<(\d+)>`)

// TestRecordsDoc_ExamplesAreRecognised keeps docs/RECORDS.md and the
// recogniser in step: every example line is recognised as the kind its
// description says, at a severity its PRI allows.
func TestRecordsDoc_ExamplesAreRecognised(t *testing.T) {
	f, err := os.Open(recordsDoc)
	if err != nil {
		t.Fatalf("open %s: %v", recordsDoc, err)
	}
	defer f.Close()
	var lines []string
	in := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case l == "```syslog" || l == "```stream":
			in = true
		case strings.HasPrefix(l, "```"):
			in = false
		case in && l != "":
			lines = append(lines, l)
		}
	}
	if len(lines) < 15 {
		t.Fatalf("found %d example lines in %s, want the documented examples", len(lines), recordsDoc)
	}
	for _, l := range lines {
		got := Recognise(Input{Text: l})
		want := events.KindLog
		switch {
		case strings.Contains(l, "Alarm level"): // may list the licence category
			want = events.KindAlarm
		case strings.Contains(l, "License Violation"):
			want = events.KindLicence
		case strings.Contains(l, "src=SysMgr"):
			want = events.KindSystem
		}
		if !got.Recognised || got.Kind != want {
			t.Errorf("%s\n  recognised %v kind %s (pattern %s), want %s", l, got.Recognised, got.Kind, pattern(got), want)
			continue
		}
		if m := docPRI.FindStringSubmatch(l); m != nil {
			pri, _ := strconv.Atoi(m[1])
			if allowed := docPRISeverities[pri]; !slices.Contains(allowed, got.Severity) {
				t.Errorf("%s\n  severity %s, but PRI %d stands for %v", l, got.Severity, pri, allowed)
			}
		}
		if want == events.KindLicence && (got.Day == 0 || got.FirstDetectedAt == nil || got.Cause == events.CauseUnknown) {
			t.Errorf("%s\n  day %d first detected %v cause %s: the documented form states all three", l, got.Day, got.FirstDetectedAt, got.Cause)
		}
	}
}
