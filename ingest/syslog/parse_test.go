package syslog

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zones named in these tests must not depend on the host's zoneinfo
	"unicode/utf8"

	gosyslog "github.com/leodido/go-syslog/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
)

var update = flag.Bool("update", false, "rewrite the expected outputs of golden tests")

// goldenReceived is when every golden case is taken to be received: the
// year of year-less timestamps is inferred from it.
var goldenReceived = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

// parsed is the expected output of a golden case.
type parsed struct {
	Header events.Syslog `json:"header"`
	Text   string        `json:"text"`
	// TextBytes holds the text where it is not valid UTF-8 (JSON would
	// not keep its bytes).
	TextBytes []byte `json:"text_bytes,omitempty"`
}

func newParsed(hdr events.Syslog, text string) parsed {
	p := parsed{Header: hdr, Text: text}
	if !utf8.ValidString(text) {
		p.Text, p.TextBytes = "", []byte(text)
	}
	return p
}

// TestParse_Golden parses testdata/parse/<case>/input.txt (or input.bin)
// and compares the header and text with expected.json; -update rewrites
// expected.json.
func TestParse_Golden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "parse", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases found: %v", err)
	}
	p := NewParser()
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(dir, "input.txt"))
			if os.IsNotExist(err) {
				in, err = os.ReadFile(filepath.Join(dir, "input.bin"))
			}
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false) // keep "<PRI>" readable
			enc.SetIndent("", "  ")
			if err := enc.Encode(newParsed(p.Parse(in, goldenReceived))); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			path := filepath.Join(dir, "expected.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Parse(%q):\n got %s\nwant %s", in, got, want)
			}
		})
	}
}

func TestParse_InfersYearNearestToReception(t *testing.T) {
	utc := time.UTC
	plus1 := time.FixedZone("+01", 3600)
	tests := []struct {
		name     string
		line     string
		received time.Time
		loc      *time.Location
		want     time.Time // zero: no timestamp
	}{
		{"December message received in January is last year's",
			"<13>Dec 31 23:59:50 h app: x", time.Date(2025, 1, 1, 0, 0, 10, 0, utc), utc,
			time.Date(2024, 12, 31, 23, 59, 50, 0, utc)},
		{"January message received on 31 December is next year's",
			"<13>Jan  1 00:00:05 h app: x", time.Date(2025, 12, 31, 23, 59, 50, 0, utc), utc,
			time.Date(2026, 1, 1, 0, 0, 5, 0, utc)},
		{"December message received in early January",
			"<13>Dec  2 16:31:03 h app: x", time.Date(2025, 1, 10, 8, 0, 0, 0, utc), utc,
			time.Date(2024, 12, 2, 16, 31, 3, 0, utc)},
		{"same day is this year",
			"<13>Jun 15 11:59:00 h app: x", time.Date(2025, 6, 15, 12, 0, 0, 0, utc), utc,
			time.Date(2025, 6, 15, 11, 59, 0, 0, utc)},
		{"a clock a few minutes ahead stays this year",
			"<13>Jun 15 12:05:00 h app: x", time.Date(2025, 6, 15, 12, 0, 0, 0, utc), utc,
			time.Date(2025, 6, 15, 12, 5, 0, 0, utc)},
		{"29 February takes the nearest leap year",
			"<13>Feb 29 10:00:00 h app: x", time.Date(2025, 3, 1, 0, 0, 0, 0, utc), utc,
			time.Date(2024, 2, 29, 10, 0, 0, 0, utc)},
		{"29 February with no leap year near has no timestamp",
			"<13>Feb 29 10:00:00 h app: x", time.Date(2026, 6, 15, 0, 0, 0, 0, utc), utc,
			time.Time{}},
		{"zone-less stamp is read in the configured location",
			"<13>Jan  1 00:30:00 h app: x", time.Date(2024, 12, 31, 23, 0, 0, 0, utc), plus1,
			time.Date(2025, 1, 1, 0, 30, 0, 0, plus1)},
		{"year near reception is judged in the configured location",
			"<13>Dec 31 23:30:00 h app: x", time.Date(2024, 12, 31, 23, 0, 0, 0, utc), plus1,
			time.Date(2024, 12, 31, 23, 30, 0, 0, plus1)},
		{"an explicit year is kept",
			"<13>Dec 31 2019 23:30:00 h app: x", time.Date(2025, 1, 1, 0, 0, 0, 0, utc), utc,
			time.Date(2019, 12, 31, 23, 30, 0, 0, utc)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr, _ := NewParser(WithLocation(tt.loc)).Parse([]byte(tt.line), tt.received)
			if tt.want.IsZero() {
				if hdr.Timestamp != nil || hdr.ParseError == "" {
					t.Errorf("timestamp = %v, parse error %q; want none and an error", hdr.Timestamp, hdr.ParseError)
				}
				return
			}
			if hdr.Timestamp == nil || !hdr.Timestamp.Equal(tt.want) {
				t.Fatalf("timestamp = %v, want %v", hdr.Timestamp, tt.want)
			}
			_, off := hdr.Timestamp.Zone()
			if _, want := tt.want.Zone(); off != want {
				t.Errorf("timestamp %v not in the configured location", hdr.Timestamp)
			}
		})
	}
}

// ParseFrom reads a zone-less stamp in the sender's own zone, and in the
// WithLocation one for senders WithZones has none for. RFC 5424 stamps
// carry their offset and are left alone.
func TestParseFrom_ReadsEachSendersZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	plus1 := time.FixedZone("+01", 3600)
	nySender := netip.MustParseAddr("10.2.0.7")
	zones := func(a netip.Addr) *time.Location {
		if a == nySender {
			return ny
		}
		return nil
	}
	p := NewParser(WithLocation(plus1), WithZones(zones))
	received := time.Date(2020, 8, 21, 14, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		line   string
		sender netip.Addr
		want   time.Time
	}{
		{"RFC 3164 from a sender with its own zone", "<13>Aug 21 09:14:02 h app: x", nySender,
			time.Date(2020, 8, 21, 9, 14, 2, 0, ny)},
		{"RFC 3164 from any other sender", "<13>Aug 21 09:14:02 h app: x", netip.MustParseAddr("10.9.9.9"),
			time.Date(2020, 8, 21, 9, 14, 2, 0, plus1)},
		{"RFC 5424 keeps its own offset", "<13>1 2020-08-21T09:14:02Z h app - - - x", nySender,
			time.Date(2020, 8, 21, 9, 14, 2, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr, _ := p.ParseFrom([]byte(tc.line), received, tc.sender)
			require.NotNil(t, hdr.Timestamp)
			assert.True(t, hdr.Timestamp.Equal(tc.want), "timestamp = %v, want %v", hdr.Timestamp, tc.want)
		})
	}
	hdr, _ := p.Parse([]byte("<13>Aug 21 09:14:02 h app: x"), received)
	require.NotNil(t, hdr.Timestamp)
	assert.True(t, hdr.Timestamp.Equal(time.Date(2020, 8, 21, 9, 14, 2, 0, plus1)), "Parse knows no sender: %v", hdr.Timestamp)
}

func TestParse_UsesClockWhenNoReceiveTime(t *testing.T) {
	clock := func() time.Time { return time.Date(2031, 1, 2, 0, 0, 0, 0, time.UTC) }
	hdr, _ := NewParser(WithClock(clock)).Parse([]byte("<13>Dec 30 10:00:00 h app: x"), time.Time{})
	if hdr.Timestamp == nil || hdr.Timestamp.Year() != 2030 {
		t.Errorf("timestamp = %v, want December 2030", hdr.Timestamp)
	}
}

// panicky is a go-syslog machine that panics, standing in for a parser bug.
type panicky struct{ gosyslog.Machine }

func (panicky) Parse([]byte) (gosyslog.Message, error) { panic("parser bug") }

func TestParse_RecoversFromParserPanic(t *testing.T) {
	p := NewParser()
	p.machines.New = func() any { return &machines{bsd: panicky{}, ietf: panicky{}} }
	for _, line := range []string{"<13>Oct 11 22:14:15 host app: x", "<13>1 - - - - - - x"} {
		hdr, text := p.Parse([]byte(line), goldenReceived)
		if hdr.Format != FormatNone || !strings.Contains(hdr.ParseError, "parser bug") || text != line ||
			hdr.Facility == nil || *hdr.Facility != 1 {
			t.Errorf("Parse(%q) after a panic = %+v, %q", line, hdr, text)
		}
	}
}
