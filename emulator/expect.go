package emulator

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
)

// Expectation is one event pbxalarm should publish for a message the fleet
// sends: who sent it, how, and what it means.
type Expectation struct {
	// Seq is the message's place in the fleet's sequence; copies of one
	// message to several targets share it.
	Seq int `json:"seq"`
	// At is the virtual time of the message (its record or trap time).
	At     time.Time `json:"at"`
	System string    `json:"system"`
	IP     string    `json:"ip"`
	// Named says the message names its system itself (a syslog HOSTNAME,
	// a sysName varbind). When false (log-stream lines, malformed frames,
	// coldStart) pbxalarm knows the name only from its systems map
	// (Systems), else it names the event by IP.
	Named     bool             `json:"named"`
	Transport events.Transport `json:"transport"`
	// Target is the syslog URL, the trap receiver or the log stream's
	// address.
	Target     string          `json:"target"`
	Kind       events.Kind     `json:"kind"`
	Severity   events.Severity `json:"severity"`
	Cause      events.Cause    `json:"cause,omitempty"`
	Day        int             `json:"day,omitempty"`
	Recognised bool            `json:"recognised"`
	// ReadBack is set on trap 301 when the PBX's category table, read back
	// as the trap was sent, holds the licence row at the trap's level.
	ReadBack *ReadBack `json:"read_back,omitempty"`
	// Text is the record line, a trap summary, or for a malformed message
	// its bytes quoted.
	Text string `json:"text"`
}

// Expect returns, in order, the events pbxalarm should publish for what
// Run with the same scenario, targets and options sends, when every
// message arrives. It sends nothing.
func Expect(sc Scenario, t Targets, opts ...Option) ([]Expectation, error) {
	o := newOptions(opts)
	c, err := compile(sc)
	if err != nil {
		return nil, err
	}
	t, st, err := t.checked()
	if err != nil {
		return nil, err
	}
	p, err := makePlan(c, o)
	if err != nil {
		return nil, err
	}
	var out []Expectation
	for i := range p.items {
		for _, d := range destinations(&p.items[i], p.systems[p.items[i].sys].ip.String(), t, st) {
			out = append(out, expectation(p, i, d))
		}
	}
	return out, nil
}

// Systems returns the fleet's addresses and names, as pbxalarm's systems
// map wants them (IP -> name), for the scenario and options of a run.
func Systems(sc Scenario, opts ...Option) (map[string]string, error) {
	return fleetMap(sc, opts, func(m member) (string, bool) { return m.name, true })
}

// Zones returns the addresses of the fleet's systems whose clocks are not
// in UTC, with their zones, as pbxalarm's timezones map wants them (IP ->
// IANA zone), for the scenario and options of a run.
func Zones(sc Scenario, opts ...Option) (map[string]string, error) {
	return fleetMap(sc, opts, func(m member) (string, bool) {
		return m.t.loc.String(), m.t.loc != time.UTC
	})
}

// fleetMap maps each system's address to what value gives, where it gives
// one.
func fleetMap(sc Scenario, opts []Option, value func(member) (string, bool)) (map[string]string, error) {
	o := newOptions(opts)
	c, err := compile(sc)
	if err != nil {
		return nil, err
	}
	members, err := layout(c, o)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(members))
	for _, s := range members {
		if v, ok := value(s); ok {
			m[s.ip.String()] = v
		}
	}
	return m, nil
}

// destination is one copy of a message: a transport and target.
type destination struct {
	transport events.Transport
	target    string
	syslog    int // index into the syslog targets, or -1
}

// destinations lists where an item goes.
func destinations(it *item, ip string, t Targets, st []syslogTarget) []destination {
	var out []destination
	switch it.kind {
	case itemRecord, itemMalformed:
		for i, s := range st {
			out = append(out, destination{events.TransportSyslog, s.url, i})
		}
		if t.LogstreamPort != 0 {
			out = append(out, destination{events.TransportLogstream, logstreamAddr(ip, t.LogstreamPort), -1})
		}
	case itemTrap:
		if t.SNMP != "" {
			out = append(out, destination{events.TransportSNMP, t.SNMP, -1})
		}
	}
	return out
}

func logstreamAddr(ip string, port int) string {
	return net.JoinHostPort(ip, strconv.Itoa(port))
}

// expectation is what item i of p sent to d should become.
func expectation(p *plan, i int, d destination) Expectation {
	it := &p.items[i]
	sys := &p.systems[it.sys]
	e := Expectation{
		Seq: i, At: it.at, System: sys.name, IP: sys.ip.String(),
		Transport: d.transport, Target: d.target,
	}
	var m meaning
	switch it.kind {
	case itemRecord:
		m, e.Text = it.rec.expect, it.rec.line()
		e.Named = d.transport == events.TransportSyslog
	case itemMalformed:
		m = meaning{kind: events.KindLog, severity: events.SeverityInfo}
		e.Text = strconv.Quote(string(it.raw))
	case itemTrap:
		m, e.Text, e.ReadBack = it.trap.expect, it.trap.text, it.trap.readBack
		e.Named = it.trap.specific != 0
	}
	e.Kind, e.Severity, e.Cause, e.Day, e.Recognised = m.kind, m.severity, m.cause, m.day, m.recognised
	if m.kind != events.KindLicence {
		e.Day = 0
	}
	return e
}

// expectWriter writes expectations as JSON lines.
type expectWriter struct {
	enc *json.Encoder
	err error
}

func (w *expectWriter) write(e Expectation) {
	if w == nil || w.err != nil {
		return
	}
	if err := w.enc.Encode(e); err != nil {
		w.err = fmt.Errorf("emulator: write expectation: %w", err)
	}
}
