package syslog

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestLogger_UtilLinuxSendersAreParsed sends with util-linux logger, a
// real-world sender, in both formats over UDP and both TCP framings.
func TestLogger_UtilLinuxSendersAreParsed(t *testing.T) {
	bin, err := exec.LookPath("logger")
	if err != nil {
		t.Fatal("util-linux logger is required (Debian bsdutils); .ci/run installs it: ", err)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	shortHost, _, _ := strings.Cut(host, ".")
	tests := []struct {
		name     string
		udp      bool
		args     []string
		format   string
		framing  string
		facility int
		severity int
	}{
		{"udp rfc3164", true, []string{"--udp", "--rfc3164", "-p", "user.warning"}, FormatRFC3164, "", 1, 4},
		{"udp rfc5424", true, []string{"--udp", "--rfc5424", "-p", "local3.err"}, FormatRFC5424, "", 19, 3},
		{"tcp rfc5424 octet-counted", false, []string{"--tcp", "--octet-count", "--rfc5424", "-p", "daemon.crit"}, FormatRFC5424, FramingOctetCounting, 3, 2},
		{"tcp rfc3164 lf", false, []string{"--tcp", "--rfc3164", "-p", "local7.notice"}, FormatRFC3164, FramingLF, 23, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s *server
			if tt.udp {
				s = startUDP(t)
			} else {
				s = startTCP(t)
			}
			_, port, _ := net.SplitHostPort(s.addr)
			text := "License Violation level Minor on " + strings.ReplaceAll(tt.name, " ", "-")
			args := append([]string{"--server", "127.0.0.1", "--port", port, "-t", "pbxtest"}, tt.args...)
			out, err := exec.Command(bin, append(args, text)...).CombinedOutput()
			if err != nil {
				t.Fatalf("logger: %v: %s", err, out)
			}
			waitFor(t, "the message", func() bool { return s.rec.count() == 1 })
			m := s.rec.all()[0]
			h := m.Header
			gotShort, _, _ := strings.Cut(h.Hostname, ".")
			if h.Format != tt.format || gotShort != shortHost || h.AppName != "pbxtest" || m.Text != text ||
				h.Framing != tt.framing || h.Timestamp == nil || *h.Facility != tt.facility || *h.Severity != tt.severity {
				t.Errorf("raw %q parsed as %+v, text %q", m.Raw, h, m.Text)
			}
			if h.ParseError != "" {
				t.Errorf("parse error: %s", h.ParseError)
			}
		})
	}
}
