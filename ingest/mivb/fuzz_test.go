package mivb

import (
	"encoding/json"
	"testing"
)

// FuzzRecognise feeds arbitrary text (and syslog severity) to Recognise:
// it must not panic, must give the same answer twice, and must give a
// result that makes a valid event. Seeds: testdata/fuzz/FuzzRecognise.
func FuzzRecognise(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string, sev int) {
		in := Input{Text: text}
		if sev >= -1 && sev <= 8 {
			in.SyslogSeverity = &sev
		}
		got := Recognise(in)
		checkEventContract(t, got)
		again, _ := json.Marshal(Recognise(in))
		first, _ := json.Marshal(got)
		if string(first) != string(again) {
			t.Fatalf("two answers for one input:\n%s\n%s", first, again)
		}
		if got.Day < 0 {
			t.Fatalf("negative day %d", got.Day)
		}
	})
}
