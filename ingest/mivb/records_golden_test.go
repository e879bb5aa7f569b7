package mivb

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // golden cases name zones; the tests must not depend on the host's zoneinfo

	"github.com/pbxalarm/pbxalarm/events"
)

var update = flag.Bool("update", false, "rewrite the expected.json of the golden cases")

// recordsDir holds one folder per record variant: input.txt (one record),
// optionally syslog_severity (0..7) and location (a zone name), and
// expected.json (the Result).
const recordsDir = "testdata/records"

// readGoldenInput reads a case folder's input.
func readGoldenInput(t *testing.T, dir string) Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "input.txt"))
	if err != nil {
		t.Fatalf("read input: %v", err)
	}
	// input.txt holds one record; the file's own final newline is not part of it.
	in := Input{Text: strings.TrimSuffix(string(b), "\n")}
	if b, err := os.ReadFile(filepath.Join(dir, "syslog_severity")); err == nil {
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatalf("syslog_severity: %v", err)
		}
		in.SyslogSeverity = &n
	}
	if b, err := os.ReadFile(filepath.Join(dir, "location")); err == nil {
		loc, err := time.LoadLocation(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatalf("location: %v", err)
		}
		in.Location = loc
	}
	return in
}

func TestRecognise_GoldenRecords(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(recordsDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 30 {
		t.Fatalf("found %d golden cases in %s, want at least 30", len(dirs), recordsDir)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := Recognise(readGoldenInput(t, dir))
			checkEventContract(t, got)
			b, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, '\n')
			path := filepath.Join(dir, "expected.json")
			if *update {
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read expected (run with -update to create it): %v", err)
			}
			if !bytes.Equal(want, b) {
				t.Errorf("result differs from %s (rerun with -update and review the diff)\ngot:\n%s\nwant:\n%s", path, b, want)
			}
		})
	}
}

// TestRecognise_GoldenNamesSayWhatTheyShow keeps the folder names honest:
// a negative-* case is not recognised, a licence-*/license-* case is a
// licence event, alarm-* an alarm, system-* a system event.
func TestRecognise_GoldenNamesSayWhatTheyShow(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(recordsDir, "*"))
	prefixes := []struct {
		prefix     string
		recognised bool
		kind       events.Kind
	}{
		{"negative-", false, events.KindLog},
		{"licence-", true, events.KindLicence},
		{"license-", true, events.KindLicence},
		{"alarm-", true, events.KindAlarm},
		{"system-", true, events.KindSystem},
		{"info-", true, events.KindLog},
		{"software-", true, events.KindLog},
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		got := Recognise(readGoldenInput(t, dir))
		matched := false
		for _, p := range prefixes {
			if !strings.HasPrefix(name, p.prefix) {
				continue
			}
			matched = true
			if got.Recognised != p.recognised || got.Kind != p.kind {
				t.Errorf("%s: recognised %v kind %s, the name says recognised %v kind %s",
					name, got.Recognised, got.Kind, p.recognised, p.kind)
			}
		}
		if !matched {
			t.Errorf("%s: name has none of the known prefixes", name)
		}
	}
}

// checkEventContract checks that a result can be published: the event it
// makes passes events.Validate.
func checkEventContract(t *testing.T, r Result) {
	t.Helper()
	if !r.Severity.Valid() {
		t.Fatalf("severity %q is not a severity", r.Severity)
	}
	if !r.Recognised && (r.Kind != events.KindLog || r.Record != nil || r.Cause != "") {
		t.Fatalf("unrecognised result carries recognition: %+v", r)
	}
	if r.Recognised && (r.Record == nil || r.Record.Pattern == "") {
		t.Fatalf("recognised result names no pattern: %+v", r)
	}
	d := events.Data{
		System: "PBX-TEST", Kind: r.Kind, Severity: r.Severity, Transport: events.TransportSyslog,
		Peer: "127.0.0.1:514", ReceivedAt: time.Unix(1598000000, 0).UTC(), Message: r.Message,
		Recognised: r.Recognised, Cause: r.Cause, Day: r.Day, FirstDetectedAt: r.FirstDetectedAt,
		Release: r.Release, Record: r.Record,
	}
	e := events.New(d, "127.0.0.1", []byte(r.Message), time.Time{})
	if err := e.Validate(); err != nil {
		t.Fatalf("result makes an invalid event: %v", err)
	}
}
