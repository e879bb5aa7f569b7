package loadgen

import (
	"fmt"
	"strconv"
	"time"
)

// syslogBuilder writes the syslog lines of one sender: a MiVB maintenance
// record of level Info, which pbxalarm recognises, with the token at the
// end of its description. It keeps the formatted time of the current
// second, so it is not safe for concurrent use.
type syslogBuilder struct {
	format  string
	run     string
	systems []string
	sec     int64
	header  []byte // the header's timestamp
	record  []byte // the record's own "2006/01/02 15:04:05"
}

func newSyslogBuilder(format, run string, systems []string) *syslogBuilder {
	return &syslogBuilder{format: format, run: run, systems: systems, sec: -1}
}

// systemNames returns n host names, BENCH-00 onwards.
func systemNames(n int) []string {
	width := len(strconv.Itoa(max(n-1, 9)))
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("BENCH-%0*d", width, i)
	}
	return out
}

// append appends message seq's line, without framing, stamped now and
// carrying sent.
func (b *syslogBuilder) append(dst []byte, seq int, now time.Time, sent time.Duration) []byte {
	if s := now.Unix(); s != b.sec {
		b.sec = s
		now = now.UTC()
		if b.format == FormatRFC3164 {
			b.header = now.AppendFormat(b.header[:0], time.Stamp)
		} else {
			b.header = now.AppendFormat(b.header[:0], "2006-01-02T15:04:05Z")
		}
		b.record = now.AppendFormat(b.record[:0], "2006/01/02 15:04:05")
	}
	host := b.systems[seq%len(b.systems)]
	if b.format == FormatRFC3164 {
		dst = append(dst, "<134>"...)
		dst = append(dst, b.header...)
		dst = append(dst, ' ')
		dst = append(dst, host...)
		dst = append(dst, " MiVB: "...)
	} else {
		dst = append(dst, "<134>1 "...)
		dst = append(dst, b.header...)
		dst = append(dst, ' ')
		dst = append(dst, host...)
		dst = append(dst, " MiVB - MAINT - "...)
	}
	dst = append(dst, "MAINT "...)
	dst = appendPadded(dst, uint64(seq%1000000), 6)
	dst = append(dst, " Info "...)
	dst = append(dst, b.record...)
	dst = append(dst, " src=DBMgr mod=DB: Database backup completed "...)
	return appendToken(dst, b.run, seq, sent)
}
