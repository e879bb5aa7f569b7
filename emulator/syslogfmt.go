package emulator

import (
	"strconv"
)

// The syslog TAG (RFC 3164) and APP-NAME (RFC 5424) of every record.
const appName = "MiVB"

// syslogMessage formats a record as a syslog message: RFC 3164
// "<PRI>Mmm dd hh:mm:ss HOSTNAME MiVB: <record>" or RFC 5424
// "<PRI>1 TIMESTAMP HOSTNAME MiVB - <MSGID> - <record>", the layouts
// util-linux logger writes (docs/RECORDS.md).
func syslogMessage(format, host string, r *record) []byte {
	b := make([]byte, 0, 96+len(r.desc))
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(r.pri()), 10)
	b = append(b, '>')
	if format == FormatRFC5424 {
		b = append(b, "1 "...)
		b = r.at.AppendFormat(b, "2006-01-02T15:04:05.000000-07:00")
		b = append(b, ' ')
		b = append(b, host...)
		b = append(b, " "+appName+" - "...)
		b = append(b, r.msgID()...)
		b = append(b, " - "...)
	} else {
		b = r.at.AppendFormat(b, "Jan _2 15:04:05")
		b = append(b, ' ')
		b = append(b, host...)
		b = append(b, " "+appName+": "...)
	}
	return append(b, r.line()...)
}

// frame wraps a message for its transport: as it is in a datagram, ended
// by LF on a plain TCP stream, or preceded by its length and a space with
// octet counting (RFC 6587 3.4.1, RFC 5425).
func frame(t *syslogTarget, msg []byte) []byte {
	switch {
	case t.network == "udp":
		return msg
	case t.octet:
		b := strconv.AppendInt(make([]byte, 0, len(msg)+8), int64(len(msg)), 10)
		b = append(b, ' ')
		return append(b, msg...)
	}
	return append(append(make([]byte, 0, len(msg)+1), msg...), '\n')
}
