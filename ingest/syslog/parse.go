package syslog

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	gosyslog "github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/rfc3164"
	"github.com/leodido/go-syslog/v4/rfc5424"

	"github.com/pbxalarm/pbxalarm/events"
)

// Header formats as found in events.Syslog.Format.
const (
	FormatRFC5424 = "rfc5424"
	FormatRFC3164 = "rfc3164"
	FormatNone    = "none"
)

// ParserOption configures a [Parser].
type ParserOption func(*Parser)

// WithLocation sets the location of RFC 3164 timestamps that name no zone
// (default UTC).
func WithLocation(loc *time.Location) ParserOption {
	return func(p *Parser) {
		if loc != nil {
			p.loc = loc
		}
	}
}

// WithZones sets, per sender, the location of RFC 3164 timestamps that
// name no zone, for [Parser.ParseFrom]; a nil location from zone means the
// WithLocation one.
func WithZones(zone func(sender netip.Addr) *time.Location) ParserOption {
	return func(p *Parser) { p.zone = zone }
}

// WithClock sets the clock used to infer the year of RFC 3164 timestamps
// when Parse is given no receive time (default time.Now).
func WithClock(now func() time.Time) ParserOption {
	return func(p *Parser) {
		if now != nil {
			p.now = now
		}
	}
}

// Parser parses syslog headers. It is safe for concurrent use.
type Parser struct {
	loc      *time.Location
	zone     func(netip.Addr) *time.Location
	now      func() time.Time
	machines sync.Pool // of *machines: go-syslog machines are not safe for concurrent use
}

type machines struct {
	bsd, ietf gosyslog.Machine
	scratch   []byte
}

// NewParser returns a parser.
func NewParser(opts ...ParserOption) *Parser {
	p := &Parser{loc: time.UTC, now: time.Now}
	for _, o := range opts {
		o(p)
	}
	p.machines.New = func() any {
		return &machines{
			// The BSD machine sees a canonical header (see parseBSD), so
			// it needs no timestamp leniency of its own.
			bsd: rfc3164.NewMachine(
				rfc3164.WithBestEffort(),
				rfc3164.WithOptionalPriority(),
				rfc3164.WithEmbeddedNewlines(),
			),
			ietf: rfc5424.NewMachine(
				rfc5424.WithBestEffort(),
				rfc5424.WithOptionalPriority(),
			),
		}
	}
	return p
}

// Parse parses the header of one message received at received (zero means
// the parser's clock). It never panics and never fails: what has no
// recognisable header gets Format "none", ParseError set and the raw bytes
// as text. Trailing LF, CR and NUL bytes are not part of the text, nor are
// a leading BOM in an RFC 5424 MSG and trailing blanks in an RFC 3164 one.
// Facility and severity come from a valid PRI whatever the format.
func (p *Parser) Parse(raw []byte, received time.Time) (hdr events.Syslog, text string) {
	return p.parse(raw, received, p.loc)
}

// ParseFrom is Parse for a message from sender, whose timestamps without a
// zone are in the location WithZones gives for it.
func (p *Parser) ParseFrom(raw []byte, received time.Time, sender netip.Addr) (hdr events.Syslog, text string) {
	loc := p.loc
	if p.zone != nil {
		if l := p.zone(sender); l != nil {
			loc = l
		}
	}
	return p.parse(raw, received, loc)
}

func (p *Parser) parse(raw []byte, received time.Time, loc *time.Location) (hdr events.Syslog, text string) {
	if received.IsZero() {
		received = p.now()
	}
	body := bytes.TrimRight(raw, "\n\r\x00")
	in := body[skipSpace(body):]
	ms := p.machines.Get().(*machines)
	defer func() {
		if r := recover(); r != nil {
			// The machine may be left in any state: do not reuse it.
			hdr = events.Syslog{Format: FormatNone, ParseError: fmt.Sprintf("parser panic: %v", r)}
			setPRI(&hdr, in)
			text = string(body)
			return
		}
		p.machines.Put(ms)
	}()

	pri, rest, priErr := splitPRI(in)
	if priErr != "" {
		return none(pri, priErr), string(body)
	}
	if v := versionEnd(rest); v > 0 {
		hdr, text, ok := p.parseIETF(ms, in, pri)
		if ok && (hdr.ParseError == "" || hdr.Timestamp != nil) {
			return hdr, text
		}
		// Some devices (Aruba) put a VERSION before a BSD header.
		if st, origin, end, found := scanHeaderStamp(rest[v:]); found && !st.iso {
			return p.parseBSD(ms, pri, st, origin, rest[v+end:], received, loc)
		}
		if ok {
			return hdr, text
		}
	}
	st, origin, end, ok := scanHeaderStamp(rest)
	if !ok {
		return none(pri, noHeader(pri)), string(body)
	}
	return p.parseBSD(ms, pri, st, origin, rest[end:], received, loc)
}

// parseIETF parses an RFC 5424 message. Without a PRI it is taken only
// where the timestamp at least could be read, since any text may start
// with a digit and a space.
func (p *Parser) parseIETF(ms *machines, in []byte, pri int) (events.Syslog, string, bool) {
	m, err := ms.ietf.Parse(in)
	sm, _ := m.(*rfc5424.SyslogMessage)
	if sm == nil || (pri < 0 && err != nil && sm.Timestamp == nil) {
		return events.Syslog{}, "", false
	}
	hdr := events.Syslog{Format: FormatRFC5424, Timestamp: sm.Timestamp}
	setPRIValue(&hdr, pri)
	fillBase(&hdr, &sm.Base)
	if sm.StructuredData != nil {
		hdr.StructuredData = *sm.StructuredData
	}
	text := ""
	if sm.Message != nil {
		text = strings.TrimPrefix(*sm.Message, bom)
	}
	if err != nil {
		hdr.ParseError = "rfc5424: " + err.Error()
		if sm.Message == nil {
			text = string(in)
		}
	}
	return hdr, text, true
}

const bom = "\ufeff"

func fillBase(hdr *events.Syslog, b *gosyslog.Base) {
	hdr.Hostname = deref(b.Hostname)
	hdr.AppName = deref(b.Appname)
	hdr.ProcID = deref(b.ProcID)
	hdr.MsgID = deref(b.MsgID)
}

// splitPRI splits a leading "<PRI>" off in. pri is -1 where there is none.
// A '<' that does not start a valid PRI (RFC 5424: 0 to 191, no leading
// zero) is an error: such a line has no header to trust.
func splitPRI(in []byte) (pri int, rest []byte, errText string) {
	if len(in) == 0 || in[0] != '<' {
		return -1, in, ""
	}
	v, i := 0, 1
	for i < len(in) && i <= 4 && isDigit(in[i]) {
		v = v*10 + int(in[i]-'0')
		i++
	}
	switch {
	case i == 1 || i >= len(in) || in[i] != '>':
		return -1, in, "invalid PRI: expecting <0> to <191>"
	case i > 4 || v > 191:
		return -1, in, "invalid PRI: above 191"
	case in[1] == '0' && i > 2:
		return -1, in, "invalid PRI: leading zero"
	}
	return v, in[i+1:], ""
}

// versionEnd returns the length of an RFC 5424 VERSION and its space at
// the start of b, or 0.
func versionEnd(b []byte) int {
	if len(b) < 2 || b[0] < '1' || b[0] > '9' {
		return 0
	}
	j := skipDigits(b, 1)
	if j > 3 || j >= len(b) || b[j] != ' ' {
		return 0
	}
	return j + 1
}

func none(pri int, why string) events.Syslog {
	hdr := events.Syslog{Format: FormatNone, ParseError: why}
	setPRIValue(&hdr, pri)
	return hdr
}

func noHeader(pri int) string {
	if pri < 0 {
		return "no PRI and no timestamp"
	}
	return "no timestamp after PRI"
}

func setPRI(hdr *events.Syslog, in []byte) {
	if pri, _, e := splitPRI(in); e == "" {
		setPRIValue(hdr, pri)
	}
}

func setPRIValue(hdr *events.Syslog, pri int) {
	if pri < 0 {
		return
	}
	fs := &[2]int{pri / 8, pri % 8} // one allocation for both
	hdr.Facility, hdr.Severity = &fs[0], &fs[1]
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func errString(err error) string {
	if err == nil {
		return "no header"
	}
	return err.Error()
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func skipSpace(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
