package emulator

import (
	"testing"
	"time"
)

// FuzzParse feeds scenario files of any shape to Parse: it must refuse or
// accept them without panicking, and an accepted small scenario must plan.
func FuzzParse(f *testing.F) {
	for _, name := range Builtins() {
		b, _ := BuiltinYAML(name)
		f.Add(b)
	}
	f.Add([]byte(smallScenario))
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := Parse(b)
		if err != nil {
			return
		}
		if err := sc.Validate(); err != nil {
			t.Fatalf("Parse accepted a scenario Validate refuses: %v", err)
		}
		c, err := compile(sc)
		if err != nil {
			t.Fatal(err)
		}
		n := sc.Noise
		if len(c.templates) > 4 || c.end.Sub(c.start) > 60*24*time.Hour ||
			n.RecordsPerDay+n.SoftwarePerDay > 200 || n.AlarmsPerWeek > 50 {
			return // valid, but too big to plan on every input
		}
		if _, err := makePlan(c, newOptions(nil)); err != nil {
			t.Fatalf("a valid scenario did not plan: %v", err)
		}
	})
}

// FuzzParseRelease checks that any text is refused or read back whole.
func FuzzParseRelease(f *testing.F) {
	for _, s := range []string{"9.0 SP2", "MCD 5.0 SP2 PR2", "MiVB R9.0 SP3", "10.0", "9.x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRelease(s)
		if err != nil {
			return
		}
		again, err := ParseRelease(r.String())
		if err != nil || again != r {
			t.Fatalf("%q read as %v, which reads back as %v (%v)", s, r, again, err)
		}
	})
}
