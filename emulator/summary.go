package emulator

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
)

// LevelChange is a licence-violation level a system reached, when (virtual
// time) and on which day of the violation.
type LevelChange struct {
	Level Level     `json:"level"`
	At    time.Time `json:"at"`
	Day   int       `json:"day,omitempty"`
}

// Counts are messages per transport.
type Counts struct {
	Syslog    int `json:"syslog"`
	SNMP      int `json:"snmp"`
	Logstream int `json:"logstream"`
}

// Total is the sum over the transports.
func (c Counts) Total() int { return c.Syslog + c.SNMP + c.Logstream }

func (c *Counts) add(t events.Transport, n int) {
	switch t {
	case events.TransportSyslog:
		c.Syslog += n
	case events.TransportSNMP:
		c.SNMP += n
	case events.TransportLogstream:
		c.Logstream += n
	}
}

// Progress is a snapshot of a run.
type Progress struct {
	// Virtual is the virtual time the run has reached.
	Virtual time.Time `json:"virtual"`
	// Levels counts the systems at each licence level.
	Levels map[Level]int `json:"levels"`
	// Sent and Failed count messages per transport; a message to two
	// syslog targets counts twice.
	Sent      Counts `json:"sent"`
	Failed    Counts `json:"failed"`
	Malformed int    `json:"malformed"`
	Done      bool   `json:"done"`
}

// String is a one-line report, e.g. "2020-08-23 09:00 | Clear 3 Warning 1
// Minor 2 | sent syslog 120 snmp 8 logstream 0 | malformed 1 | failed 0".
func (p Progress) String() string {
	var b strings.Builder
	b.WriteString(p.Virtual.UTC().Format("2006-01-02 15:04"))
	b.WriteString(" |")
	for _, l := range Levels {
		if n := p.Levels[l]; n > 0 {
			fmt.Fprintf(&b, " %s %d", l, n)
		}
	}
	fmt.Fprintf(&b, " | sent syslog %d snmp %d logstream %d | malformed %d | failed %d",
		p.Sent.Syslog, p.Sent.SNMP, p.Sent.Logstream, p.Malformed, p.Failed.Total())
	return b.String()
}

// Summary is what a run did. End is the virtual time it reached: the
// scenario's end, or earlier when the context ended first.
type Summary struct {
	Start     time.Time       `json:"start"`
	End       time.Time       `json:"end"`
	Systems   []SystemSummary `json:"systems"`
	Sent      Counts          `json:"sent"`
	Failed    Counts          `json:"failed"`
	Malformed int             `json:"malformed"`
}

// SystemSummary is what one system did: the licence levels it went
// through (the first entry is its level at the start) and what it sent.
type SystemSummary struct {
	Name string `json:"name"`
	IP   string `json:"ip"`
	// Release is the release the system runs at the end (upgrades change
	// it).
	Release string `json:"release"`
	// Calls is what users may call at the end: normal, or emergency_only
	// at System Lock.
	Calls     string        `json:"calls"`
	Levels    []LevelChange `json:"levels"`
	Sent      Counts        `json:"sent"`
	Failed    Counts        `json:"failed"`
	Malformed int           `json:"malformed"`
}

// WriteText prints the summary as a table, one system a line.
func (s Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "virtual time %s .. %s\n", s.Start.UTC().Format(time.RFC3339), s.End.UTC().Format(time.RFC3339))
	for _, sys := range s.Systems {
		var lv []string
		for _, l := range sys.Levels {
			lv = append(lv, fmt.Sprintf("%s %s", l.Level, l.At.UTC().Format("2006-01-02")))
		}
		fmt.Fprintf(&b, "%-16s %-15s %-12s %-20s sent syslog %d snmp %d logstream %d, malformed %d, failed %d | %s\n",
			sys.Name, sys.IP, sys.Release, "calls "+sys.Calls, sys.Sent.Syslog, sys.Sent.SNMP, sys.Sent.Logstream, sys.Malformed,
			sys.Failed.Total(), strings.Join(lv, " -> "))
	}
	fmt.Fprintf(&b, "total: sent syslog %d snmp %d logstream %d, malformed %d, failed syslog %d snmp %d logstream %d\n",
		s.Sent.Syslog, s.Sent.SNMP, s.Sent.Logstream, s.Malformed, s.Failed.Syslog, s.Failed.SNMP, s.Failed.Logstream)
	_, err := io.WriteString(w, b.String())
	return err
}
