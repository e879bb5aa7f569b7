package syslog

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/leodido/go-syslog/v4/rfc3164"

	"github.com/pbxalarm/pbxalarm/events"
)

// parseBSD parses an RFC 3164-style message whose timestamp scanHeaderStamp
// has read. go-syslog parses the rest (hostname, tag, PID, MSG) behind a
// canonical stamp, so that the many timestamp forms need not be its
// concern.
func (p *Parser) parseBSD(ms *machines, pri int, st stamp, origin string, rest []byte, received time.Time, loc *time.Location) (events.Syslog, string) {
	hdr := events.Syslog{Format: FormatRFC3164, Hostname: origin}
	setPRIValue(&hdr, pri)
	if t, ok := st.time(loc, received); ok {
		hdr.Timestamp = &t
	} else {
		hdr.ParseError = "rfc3164: timestamp names a date that does not exist"
	}
	rest = bytes.TrimRight(rest, " \t")
	if len(rest) == 0 {
		return hdr, ""
	}
	tok := tokenEnd(rest, 0)
	if tok == len(rest) && origin == "" {
		hdr.Hostname = string(rest) // a header cut short after the hostname
		return hdr, ""
	}
	// go-syslog reads no IPv6 hostname (its hostnames stop at ':'), so one
	// is taken here and a nil hostname put in its place.
	ipv6 := false
	if isIPv6(rest[:tok]) {
		hdr.Hostname, origin, ipv6 = string(rest[:tok]), string(rest[:tok]), true
		if rest = rest[skipBlanks(rest, tok):]; len(rest) == 0 {
			return hdr, ""
		}
	}
	in := ms.scratch[:0]
	if pri >= 0 {
		in = fmt.Appendf(in, "<%d>", pri)
	}
	in = append(in, "Jan  1 00:00:00 "...)
	if ipv6 {
		in = append(in, "- "...)
	}
	start := len(in)
	in = append(in, rest...)
	sanitize(in[start:])
	clean := in[start:]
	// go-syslog reads "tag:" at the very end as MSG; give it an MSG to
	// find, and take it off again.
	padded := rest[len(rest)-1] == ':'
	if padded {
		in = append(in, pad...)
	}
	ms.scratch = in
	m, err := ms.bsd.Parse(in)
	sm, _ := m.(*rfc3164.SyslogMessage)
	if sm == nil {
		hdr.ParseError = join(hdr.ParseError, "rfc3164: "+errString(err))
		return hdr, string(rest)
	}
	fillBase(&hdr, &sm.Base)
	if hdr.Hostname == "" {
		hdr.Hostname = origin
	}
	text := deref(sm.Message)
	if padded {
		text = strings.TrimSuffix(text, pad)
		if text == pad[1:] {
			text = ""
		}
	}
	if len(text) <= len(clean) && bytes.HasSuffix(clean, []byte(text)) {
		// MSG runs to the end: take it from the bytes as received, which
		// sanitize may have changed.
		text = string(rest[len(rest)-len(text):])
	}
	if err != nil {
		hdr.ParseError = join(hdr.ParseError, "rfc3164: "+err.Error())
		if sm.Message == nil {
			text = string(rest)
		}
	}
	return hdr, text
}

const pad = " \xff"

// isIPv6 reports whether tok is an IPv6 address. Only a token with a
// colon can be one: the common hostname skips ParseAddr, whose error would
// cost two allocations.
func isIPv6(tok []byte) bool {
	if bytes.IndexByte(tok, ':') < 0 {
		return false
	}
	a, err := netip.ParseAddr(string(tok))
	return err == nil && a.Is6()
}

// sanitize replaces control bytes other than TAB, LF and CR with 0xFF in
// place: go-syslog's RFC 3164 grammar ends the MSG at them and drops it,
// while 0xFF is accepted as any other non-ASCII byte.
func sanitize(b []byte) {
	for i, c := range b {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			b[i] = 0xff
		}
	}
}
