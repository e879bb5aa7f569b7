package mivb

import (
	"testing"
)

// TestRules_EveryRowMatchesItsExample keeps the tables honest: a row
// added for a new variant carries an example that it must match.
func TestRules_EveryRowMatchesItsExample(t *testing.T) {
	var rows []textRule
	for _, table := range append(append(licenceTables, otherTables...), headerFieldRules...) {
		rows = append(rows, table...)
	}
	for _, r := range licenceLevels {
		rows = append(rows, r.textRule)
	}
	for _, r := range causeRules {
		rows = append(rows, r.textRule)
	}
	for _, r := range append(append([]kindRule{}, alarmRules...), systemRules...) {
		rows = append(rows, r.textRule)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.name] {
			t.Errorf("rule name %q is used twice; Pattern must name one rule", r.name)
		}
		seen[r.name] = true
		if r.example == "" {
			t.Errorf("rule %s has no example", r.name)
			continue
		}
		if r.find([]byte(r.example)) == nil {
			t.Errorf("rule %s does not match its example %q", r.name, r.example)
		}
	}
}

func TestRules_LevelRowsCaptureALevel(t *testing.T) {
	for _, r := range licenceLevels {
		m := r.find([]byte(r.example))
		if m == nil {
			continue // reported by TestRules_EveryRowMatchesItsExample
		}
		s, e := r.group(m, "level")
		if r.fixed != "" {
			continue
		}
		if s < 0 {
			t.Errorf("level rule %s captures no level in %q", r.name, r.example)
			continue
		}
		if _, ok := wordSeverity(r.example[s:e]); !ok {
			t.Errorf("level rule %s captures %q, which is no level", r.name, r.example[s:e])
		}
	}
}

func TestRules_PrefixesMatchOnlyAtTheStart(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"pri", "<134>MAINT 1 Info", "MAINT 1 Info"},
		{"bom", "\ufeffMAINT 1 Info", "MAINT 1 Info"},
		{"tag", "MiVB[42]: MAINT 1 Info", "MAINT 1 Info"},
		{"rfc3164", "<134>Aug 21 09:14:02 PBX-1 MiVB: MAINT 1 Info", "MAINT 1 Info"},
		{"rfc5424", "<134>1 2020-08-21T09:14:02Z PBX-1 MiVB - MAINT - MAINT 1 Info", "MAINT 1 Info"},
		{"none inside", "MAINT 1 Info <134>", "MAINT 1 Info <134>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newRecordText(tt.text)
			rt.skipPrefixes()
			if got := rt.raw[rt.start:]; got != tt.want {
				t.Errorf("after prefixes: %q, want %q", got, tt.want)
			}
		})
	}
}
