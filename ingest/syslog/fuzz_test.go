package syslog

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics and keeps its promises on any
// bytes: a known format, and the raw bytes as text when nothing parsed.
func FuzzParse(f *testing.F) {
	f.Add([]byte("<34>Oct 11 22:14:15 mymachine su: 'su root' failed"))
	f.Add([]byte("<165>1 2003-10-11T22:14:15.003Z host app - ID47 [a b=\"c\"] msg"))
	p := NewParser()
	received := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		orig := bytes.Clone(raw)
		hdr, text := p.Parse(raw, received)
		if !bytes.Equal(raw, orig) {
			t.Fatal("Parse changed its input")
		}
		switch hdr.Format {
		case FormatRFC3164, FormatRFC5424:
		case FormatNone:
			if hdr.ParseError == "" || !bytes.HasPrefix(raw, []byte(text)) {
				t.Errorf("format none with error %q and text %q", hdr.ParseError, text)
			}
		default:
			t.Fatalf("format %q", hdr.Format)
		}
		if (hdr.Facility == nil) != (hdr.Severity == nil) || (hdr.Facility != nil && (*hdr.Facility > 23 || *hdr.Severity > 7)) {
			t.Errorf("facility %v severity %v", hdr.Facility, hdr.Severity)
		}
		if utf8.Valid(raw) && !utf8.ValidString(text) {
			t.Errorf("valid UTF-8 input gave invalid text %q", text)
		}
	})
}

// FuzzFramer checks that the stream splitter never panics or hangs, never
// returns a frame above the maximum, and loses no bytes: what it returns
// and drops adds up to no more than the input, one byte at a time or all
// at once alike.
func FuzzFramer(f *testing.F) {
	f.Add([]byte("16 <1>1 - - - - - -17 <2>12 A B C D E -"), uint16(64))
	f.Add([]byte("<13>a\n<13>b\r\n<13>c\x00tail"), uint16(8))
	f.Fuzz(func(t *testing.T, in []byte, max uint16) {
		limit := int(max%512) + 1
		whole := frameSummary(t, bytes.NewReader(in), limit, len(in))
		oneByte := frameSummary(t, iotest.OneByteReader(bytes.NewReader(in)), limit, len(in))
		if whole != oneByte {
			t.Errorf("framing depends on read sizes:\n whole    %s\n one byte %s", whole, oneByte)
		}
	})
}

func frameSummary(t *testing.T, r io.Reader, limit, inLen int) string {
	f := newFramer(r, limit)
	var sum bytes.Buffer
	total := 0
	for range inLen + 2 {
		fr, err := f.next()
		if fe, ok := asFrameError(err); ok {
			sum.WriteString("rejected " + fe.reason + ";")
			continue
		}
		if errors.Is(err, io.EOF) {
			return sum.String()
		}
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		if len(fr.data) > limit || len(fr.data) == 0 && !fr.truncated {
			t.Fatalf("frame of %d bytes with maximum %d", len(fr.data), limit)
		}
		total += len(fr.data)
		if total > inLen {
			t.Fatalf("frames hold %d bytes of a %d-byte input", total, inLen)
		}
		sum.WriteString(fr.framing + " " + string(fr.data) + ";")
	}
	t.Fatal("framer made no progress")
	return ""
}
