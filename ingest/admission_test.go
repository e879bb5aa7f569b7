package ingest

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/ingest/snmp"
	"github.com/pbxalarm/pbxalarm/ingest/syslog"
)

func TestConfig_AdmissionFields(t *testing.T) {
	cfg := Defaults()
	cfg.SyslogAllow = []string{"10.0.0.0/8", "192.0.2.7", "::ffff:198.51.100.0/120"}
	cfg.SNMPAllow = []string{"2001:db8::/32"}
	cfg.RateLimit, cfg.RateBurst = 50, 200
	require.NoError(t, cfg.Validate())
	assert.Equal(t, []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"),
		netip.MustParsePrefix("::ffff:198.51.100.0/120"),
	}, cfg.syslogAllow)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("2001:db8::/32")}, cfg.snmpAllow)

	for _, tc := range []struct {
		name string
		set  func(*Config)
		want string
	}{
		{"bad syslog network", func(c *Config) { c.SyslogAllow = []string{"10.0.0.0/33"} }, "syslog-allow:"},
		{"host name", func(c *Config) { c.SNMPAllow = []string{"pbx.example"} }, "snmp-allow:"},
		{"negative rate", func(c *Config) { c.RateLimit = -1 }, "rate-limit:"},
		{"burst without rate", func(c *Config) { c.RateBurst = 10 }, "rate-burst:"},
		{"negative burst", func(c *Config) { c.RateLimit, c.RateBurst = 1, -1 }, "rate-burst:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Defaults()
			tc.set(&cfg)
			err := cfg.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// dialFrom connects from a socket bound to from: Linux routes all of
// 127/8 to lo, so 127.0.0.2 is a second sender on this machine.
func dialFrom(t *testing.T, network, from string, to net.Addr) net.Conn {
	t.Helper()
	d := net.Dialer{}
	src := netip.AddrPortFrom(netip.MustParseAddr(from), 0)
	if network == "udp" {
		d.LocalAddr = net.UDPAddrFromAddrPort(src)
	} else {
		d.LocalAddr = net.TCPAddrFromAddrPort(src)
	}
	c, err := d.Dial(network, to.String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// peerIP is the sender address of an event.
func peerIP(t *testing.T, r received) string {
	t.Helper()
	ap, err := netip.ParseAddrPort(r.event.Data.Peer)
	require.NoError(t, err)
	return ap.Addr().String()
}

// With allow-lists of 127.0.0.1, what 127.0.0.2 sends over UDP, TCP and
// SNMP (net-snmp's snmptrap) is counted and never published; what
// 127.0.0.1 sends arrives.
func TestServe_AllowListsKeepOtherSendersOut(t *testing.T) {
	cfg := snmpConfig(t)
	cfg.SyslogAllow = []string{"127.0.0.1"}
	cfg.SNMPAllow = []string{"127.0.0.1/32"}
	r := startService(t, cfg)
	a := r.svc.Addrs()
	c := collect(t, a.NATS, "PBX_EVENTS")
	trap := func(from, sys string) {
		out, err := netSNMP(t, "snmptrap", append([]string{"--clientaddr=" + from, "-v", "2c", "-c", community,
			"udp:" + a.SNMP.String(), "", trap301}, alarmVarbinds(sys, "2")...)...)
		require.NoError(t, err, out)
	}
	for _, from := range []string{"127.0.0.2", "127.0.0.1"} {
		fmt.Fprintf(dialFrom(t, "udp", from, a.SyslogUDP), "<13>Aug 21 09:14:02 hq app: udp from %s", from)
		fmt.Fprintf(dialFrom(t, "tcp", from, a.SyslogTCP), "<13>Aug 21 09:14:02 hq app: tcp from %s\n", from)
		trap(from, "FROM-"+strings.ReplaceAll(from, ".", "-"))
	}
	got := c.next(3)
	c.none(500 * time.Millisecond)
	for _, g := range got {
		assert.Equal(t, "127.0.0.1", peerIP(t, g), "event %s from a sender not on the list", g.event.Data.Message)
	}
	assert.EqualValues(t, 2, r.svc.SyslogStats().Rejected(syslog.ReasonNotAllowed), "UDP datagram and TCP connection")
	assert.EqualValues(t, 1, r.svc.SNMPStats().Rejected(snmp.ReasonNotAllowed))
	assert.Zero(t, r.svc.SNMPStats().Rejected(snmp.ReasonBadCommunity), "the trap was dropped before its community was read")
}

// --rate-limit: a flooder over TCP far above its rate loses the frames
// beyond it, each counted; another sender over UDP and SNMP loses nothing,
// and each event on the stream is accounted for.
func TestServe_RateLimitPerSender(t *testing.T) {
	const flood, politeN = 300, 4
	cfg := snmpConfig(t)
	cfg.RateLimit, cfg.RateBurst = 2, 5
	r := startService(t, cfg)
	a := r.svc.Addrs()
	c := collect(t, a.NATS, "PBX_EVENTS")
	start := time.Now()
	var frames strings.Builder
	for i := range flood {
		fmt.Fprintf(&frames, "<13>Aug 21 09:14:02 hq app: flood %d\n", i)
	}
	_, err := dialFrom(t, "tcp", "127.0.0.2", a.SyslogTCP).Write([]byte(frames.String()))
	require.NoError(t, err)
	udp := dialFrom(t, "udp", "127.0.0.1", a.SyslogUDP)
	for i := range politeN {
		fmt.Fprintf(udp, "<13>Aug 21 09:14:02 hq app: polite %d", i)
		out, err := netSNMP(t, "snmptrap", append([]string{"-v", "2c", "-c", community,
			"udp:" + a.SNMP.String(), "", trap301}, alarmVarbinds(fmt.Sprintf("POLITE-%d", i), "2")...)...)
		require.NoError(t, err, out)
	}
	st := r.svc.SyslogStats()
	require.Eventually(t, func() bool {
		return r.svc.Pipeline().Stats().Received.Load()+st.Rejected(syslog.ReasonRateLimited) == flood+2*politeN
	}, 30*time.Second, 10*time.Millisecond, "every message published or counted")
	elapsed := time.Since(start)
	published := int(r.svc.Pipeline().Stats().Received.Load())
	got := c.next(published)
	c.none(300 * time.Millisecond)
	var fromFlooder, politeSyslog, politeSNMP int
	for _, g := range got {
		switch {
		case peerIP(t, g) == "127.0.0.2":
			fromFlooder++
		case g.event.Data.SNMP != nil:
			politeSNMP++
		default:
			politeSyslog++
		}
	}
	assert.Equal(t, politeN, politeSyslog, "polite syslog all published")
	assert.Equal(t, politeN, politeSNMP, "polite traps all published")
	limited := int(st.Rejected(syslog.ReasonRateLimited))
	assert.Equal(t, flood, fromFlooder+limited, "flooder: published + rate_limited = sent")
	assert.GreaterOrEqual(t, fromFlooder, cfg.RateBurst)
	assert.LessOrEqual(t, fromFlooder, cfg.RateBurst+int(cfg.RateLimit*elapsed.Seconds())+1, "within %v", elapsed)
	assert.Zero(t, r.svc.SNMPStats().Rejected(snmp.ReasonRateLimited))
}
