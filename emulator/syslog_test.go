package emulator

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordForm is a maintenance-log record of docs/RECORDS.md.
const recordForm = `((MAINT|SOFT) \d{6} (Info|Warning|Error) (\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) src=[A-Za-z]+ mod=[A-Z]+: [^\r\n]*\S)`

var (
	rfc3164Line = regexp.MustCompile(`^<(\d{1,3})>([A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d) (\S+) MiVB: ` + recordForm + `$`)
	rfc5424Line = regexp.MustCompile(`^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00) (\S+) MiVB - (MAINT|SOFT) - ` + recordForm + `$`)
)

// checkMessage checks one syslog message from ip: a record in the
// documented form from the system at ip, or a malformed message (no
// header at all). It reports whether it was a record.
func checkMessage(t *testing.T, format string, names map[string]string, ip string, msg []byte) bool {
	t.Helper()
	if !bytes.HasPrefix(msg, []byte("<")) {
		assert.NotContains(t, string(msg), "\n", "a malformed message is still one message")
		return false
	}
	var m []string
	var stamp, host, logType, recDate string
	if format == FormatRFC5424 {
		m = rfc5424Line.FindStringSubmatch(string(msg))
		require.NotNil(t, m, "not an RFC 5424 record line: %q", msg)
		stamp, host, logType, recDate = m[2], m[3], m[6], m[8]
		assert.Equal(t, m[4], logType, "MSGID is the log type")
		ts, err := time.Parse(time.RFC3339Nano, stamp)
		require.NoError(t, err)
		assert.Equal(t, recDate, ts.Format("2006/01/02 15:04:05"), "header and record tell the same time")
	} else {
		m = rfc3164Line.FindStringSubmatch(string(msg))
		require.NotNil(t, m, "not an RFC 3164 record line: %q", msg)
		stamp, host, recDate = m[2], m[3], m[7]
		rd, err := time.Parse("2006/01/02 15:04:05", recDate)
		require.NoError(t, err)
		assert.Equal(t, rd.Format("Jan _2 15:04:05"), stamp, "header and record tell the same time")
	}
	assert.Equal(t, names[ip], host, "HOSTNAME is the sending system's name")
	pri, _ := strconv.Atoi(m[1])
	assert.Equal(t, facilityLocal, pri/8, "facility local0")
	assert.True(t, pri%8 >= syslogAlert && pri%8 <= syslogInfo, "severity alert..info: %q", msg)
	return true
}

// splitLF splits a non-transparent (LF) stream.
func splitLF(t *testing.T, b []byte) [][]byte {
	require.True(t, len(b) == 0 || b[len(b)-1] == '\n', "the stream ends with a whole frame")
	parts := bytes.Split(b, []byte("\n"))
	return parts[:len(parts)-1]
}

// splitOctets splits an octet-counted stream, checking every count.
func splitOctets(t *testing.T, b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		require.Positive(t, sp, "a frame starts with its length: %q", b[:min(len(b), 20)])
		n, err := strconv.Atoi(string(b[:sp]))
		require.NoError(t, err)
		require.LessOrEqual(t, sp+1+n, len(b), "the count %d runs past the stream", n)
		out = append(out, b[sp+1:sp+1+n])
		b = b[sp+1+n:]
	}
	return out
}

func TestRun_SyslogOverUDPTCPAndOctetCounting(t *testing.T) {
	for _, format := range []string{FormatRFC3164, FormatRFC5424} {
		t.Run(format, func(t *testing.T) {
			sc := mustParse(t, smallScenario)
			u, lf, oc := newUDPReceiver(t), newTCPReceiver(t), newTCPReceiver(t)
			tg := Targets{SyslogFormat: format, Syslog: []string{"udp://" + u.addr(), "tcp://" + lf.addr(), "tcp+octet://" + oc.addr()}}
			want, err := Expect(sc, tg, WithInstant())
			require.NoError(t, err)
			perTarget := len(want) / 3
			sum, err := Run(context.Background(), sc, tg, WithInstant())
			require.NoError(t, err)
			assert.Equal(t, 3*perTarget, sum.Sent.Syslog)
			assert.Zero(t, sum.Failed.Total())

			names, err := Systems(sc)
			require.NoError(t, err)
			waitFor(t, "every datagram", func() bool { return len(u.all()) == perTarget })
			got := map[string][][]string{} // ip -> per transport -> messages
			add := func(k int, ip string, msg []byte) {
				if got[ip] == nil {
					got[ip] = make([][]string, 3)
				}
				got[ip][k] = append(got[ip][k], string(msg))
			}
			malformed := 0
			for _, d := range u.all() {
				if !checkMessage(t, format, names, d.from.Addr().String(), d.data) {
					malformed++
				}
				add(0, d.from.Addr().String(), d.data)
			}
			assert.Equal(t, sum.Malformed, malformed, "malformed messages are counted")
			assert.Positive(t, malformed)

			for k, rx := range []*tcpReceiver{lf, oc} {
				split := splitLF
				if k == 1 {
					split = splitOctets
				}
				waitFor(t, "every frame", func() bool {
					n := 0
					for _, s := range rx.all() {
						if k == 0 {
							n += bytes.Count(s.data, []byte("\n"))
						} else {
							n += len(splitOctets(t, s.data))
						}
					}
					return n == perTarget
				})
				streams := rx.all()
				assert.Len(t, streams, len(names), "one connection per system")
				for _, s := range streams {
					ip := s.from.Addr().String()
					assert.Contains(t, names, ip, "sent from the system's own address")
					for _, f := range split(t, s.data) {
						checkMessage(t, format, names, ip, f)
						add(k+1, ip, f)
					}
				}
			}
			for ip, per := range got {
				slices.Sort(per[0]) // datagrams may be reordered
				assert.Equal(t, per[0], sorted(per[1]), "UDP and TCP carry the same messages from %s", ip)
				assert.Equal(t, per[1], per[2], "LF and octet framing carry the same messages from %s", ip)
			}
		})
	}
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// loggerPriority names a syslog severity as logger's -p wants it.
var loggerPriority = map[int]string{1: "alert", 2: "crit", 3: "err", 4: "warning", 5: "notice", 6: "info"}

// TestSyslogMessage_LayoutMatchesLogger compares each header layout with
// what util-linux logger writes for the same message: after putting our
// timestamp and hostname into logger's output, the bytes are the same.
func TestSyslogMessage_LayoutMatchesLogger(t *testing.T) {
	if _, err := exec.LookPath("logger"); err != nil {
		t.Fatalf("logger (util-linux) is needed: %v", err)
	}
	u := newUDPReceiver(t)
	tcp := newTCPReceiver(t)
	_, port, _ := strings.Cut(u.addr(), ":")
	_, tport, _ := strings.Cut(tcp.addr(), ":")
	p := planOf(t, mustParse(t, smallScenario))
	var recs []*record
	for _, it := range p.items {
		if it.kind == itemRecord && (len(recs) == 0 || recs[len(recs)-1].syslog != it.rec.syslog) {
			recs = append(recs, it.rec)
		}
	}
	require.GreaterOrEqual(t, len(recs), 3)
	stamp3164 := regexp.MustCompile(`^(<\d+>)([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (\S+) `)
	stamp5424 := regexp.MustCompile(`^(<\d+>1 )(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d) (\S+) `)
	for _, r := range recs {
		for _, tc := range []struct {
			format string
			args   []string
			stamp  *regexp.Regexp
			octet  bool
		}{
			{FormatRFC3164, []string{"-d", "-P", port, "--rfc3164"}, stamp3164, false},
			{FormatRFC5424, []string{"-d", "-P", port, "--rfc5424=notq", "--msgid", r.msgID()}, stamp5424, false},
			{FormatRFC5424, []string{"-T", "-P", tport, "--octet-count", "--rfc5424=notq", "--msgid", r.msgID()}, stamp5424, true},
		} {
			args := append([]string{"-n", "127.0.0.1", "--no-act", "--stderr", "-t", appName, "-p", "local0." + loggerPriority[r.syslog]}, tc.args...)
			out, err := exec.Command("logger", append(args, r.line())...).CombinedOutput()
			require.NoError(t, err, string(out))
			theirs := strings.TrimSuffix(string(out), "\n")
			ours := string(syslogMessage(tc.format, "PBX-A", r))
			if tc.octet {
				count, rest, ok := strings.Cut(theirs, " ")
				require.True(t, ok, theirs)
				assert.Equal(t, strconv.Itoa(len(rest)), count, "logger's own count")
				theirs = rest
				framed := string(frame(&syslogTarget{network: "tcp", octet: true}, []byte(ours)))
				assert.Equal(t, strconv.Itoa(len(ours))+" "+ours, framed)
			}
			m := tc.stamp.FindStringSubmatch(theirs)
			require.NotNil(t, m, "logger wrote %q", theirs)
			require.True(t, tc.stamp.MatchString(ours), "our header has logger's layout: %q", ours)
			rebuilt := m[1] + tc.stamp.FindStringSubmatch(ours)[2] + " PBX-A " + theirs[len(m[0]):]
			assert.Equal(t, rebuilt, ours, "%s: logger's layout with our time and host", tc.format)
		}
	}
}

// A system's records are written in its own zone: RFC 3164 and the
// record's own date and time as local wall time with no zone, RFC 5424
// with the local offset.
func TestSyslogMessage_WritesTheSystemsLocalTime(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	r := &record{logType: 0, number: 7, severity: "Warning", at: time.Date(2020, 8, 21, 6, 30, 0, 0, time.UTC).In(ny),
		source: "LicenseMgr", module: "LMS", desc: "x", syslog: 4}
	assert.Equal(t, "<132>Aug 21 02:30:00 PBX-NYC MiVB: MAINT 000007 Warning 2020/08/21 02:30:00 src=LicenseMgr mod=LMS: x",
		string(syslogMessage(FormatRFC3164, "PBX-NYC", r)))
	assert.Equal(t, "<132>1 2020-08-21T02:30:00.000000-04:00 PBX-NYC MiVB - MAINT - MAINT 000007 Warning 2020/08/21 02:30:00 src=LicenseMgr mod=LMS: x",
		string(syslogMessage(FormatRFC5424, "PBX-NYC", r)))
}

func TestRun_UnreachableStreamIsCountedAndTheRunGoesOn(t *testing.T) {
	rx := newTCPReceiver(t)
	dead := rx.addr()
	rx.stop() // nothing listens there now
	u := newUDPReceiver(t)
	sc := mustParse(t, smallScenario)
	tg := Targets{Syslog: []string{"tcp://" + dead, "udp://" + u.addr()}}
	sum, err := Run(context.Background(), sc, tg, WithInstant())
	require.NoError(t, err)
	waitFor(t, "UDP still gets everything", func() bool { return len(u.all()) == sum.Sent.Syslog })
	assert.Equal(t, sum.Sent.Syslog, sum.Failed.Syslog, "every message to the dead target failed, every other was sent")
	for _, s := range sum.Systems {
		assert.Positive(t, s.Failed.Syslog, s.Name)
	}
}

func TestSyslogConn_ReconnectsAfterTheReceiverRestarts(t *testing.T) {
	rx := newTCPReceiver(t)
	addr := rx.addr()
	st, err := parseSyslogTarget("tcp://" + addr)
	require.NoError(t, err)
	local := netip.MustParseAddr("127.0.0.5")
	c := &syslogConn{t: &st, local: local, dialTO: time.Second, writeTO: time.Second}
	defer c.drop()
	ctx := context.Background()
	require.NoError(t, c.send(ctx, []byte("first\n")))
	waitFor(t, "the first frame", func() bool { return rx.bytes() == len("first\n") })

	rx.stop()
	rx2 := serveTCP(t, listenOn(t, addr))
	// Writes into the dead connection may vanish or fail; the sender
	// must reconnect and deliver within a few messages.
	for i := 0; rx2.bytes() == 0; i++ {
		require.Less(t, i, 200, "never reconnected")
		_ = c.send(ctx, fmt.Appendf(nil, "after %d\n", i))
		time.Sleep(time.Millisecond * time.Duration(min(i, 20)))
	}
	streams := rx2.all()
	require.Len(t, streams, 1)
	assert.Equal(t, local, streams[0].from.Addr(), "reconnected from the system's address")
}

func TestParseSyslogTarget(t *testing.T) {
	for in, want := range map[string]syslogTarget{
		"udp://127.0.0.1:514":      {url: "udp://127.0.0.1:514", network: "udp", addr: "127.0.0.1:514"},
		"tcp://localhost:601":      {url: "tcp://localhost:601", network: "tcp", addr: "localhost:601"},
		"tcp+octet://10.0.0.1:601": {url: "tcp+octet://10.0.0.1:601", network: "tcp", addr: "10.0.0.1:601", octet: true},
		"tls://[::1]:6514":         {url: "tls://[::1]:6514", network: "tcp", addr: "[::1]:6514", octet: true, tls: true},
	} {
		got, err := parseSyslogTarget(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	for _, bad := range []string{"", "127.0.0.1:514", "http://x:1", "udp://x", "udp://:514", "udp://x:0", "udp://x:1/path", "udp://x:1?a=b", "udp://u@x:1"} {
		_, err := parseSyslogTarget(bad)
		assert.Error(t, err, bad)
	}
	_, err := Expect(mustParse(t, smallScenario), Targets{Syslog: []string{"tcp://x:1", "smtp://x:25"}})
	assert.ErrorContains(t, err, "syslog[1]")
}
