package loadgen

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
)

// Every protocol against a real pbxalarm: everything sent arrives in the
// stream exactly once, and the report's counts say so.
func TestRun_EveryProtocolArrivesOnce(t *testing.T) {
	svc := startService(t)
	const count = 500
	type run struct {
		name  string
		proto Proto
		tweak func(*Config)
	}
	var runs []run
	for _, p := range Protos {
		runs = append(runs, run{string(p), p, nil})
	}
	runs = append(runs,
		run{"tcp-rfc3164-lf", TCP, func(c *Config) { c.Format, c.Framing = FormatRFC3164, FramingLF }},
		run{"udp-rfc3164", UDP, func(c *Config) { c.Format = FormatRFC3164 }})
	for _, tc := range runs {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.proto
			c := svc.config(t, p, count)
			if tc.tweak != nil {
				tc.tweak(&c)
			}
			if p == UDP || (p.SNMP() && !p.Inform()) {
				// Datagrams as fast as possible may overflow the socket
				// buffer of a receiver slowed by the race detector: that
				// would be loss, rightly reported, but not this test's point.
				c.Rate = 5000
			}
			r, err := Run(context.Background(), c, svc.js, nil)
			require.NoError(t, err)
			var text strings.Builder
			r.WriteText(&text)
			t.Log(text.String())
			assert.Equal(t, count, r.Sent, "sent")
			assert.Zero(t, r.SendErrors, "send errors: %s", r.FirstError)
			assert.Equal(t, count, r.Received, "received")
			assert.Zero(t, r.Lost, "lost")
			assert.Zero(t, r.Duplicates, "duplicates")
			assert.Zero(t, r.Invalid, "invalid: %s", r.FirstInvalid)
			assert.Zero(t, r.ArrivedUnsent)
			assert.False(t, r.TimedOut)
			assert.Positive(t, r.Latency.Max)
			assert.LessOrEqual(t, r.Latency.P50, r.Latency.P99)
			checkLastEvent(t, svc, c, r.Run)
			if p.Inform() {
				require.NotNil(t, r.Informs)
				assert.Equal(t, count, r.Informs.Answered, "every inform answered")
				assert.Zero(t, r.Informs.Unanswered)
			} else {
				assert.Nil(t, r.Informs)
			}
		})
	}
}

// checkLastEvent reads the stream's last event and checks that it is one
// of the run's and came as p says.
func checkLastEvent(t *testing.T, svc *service, c Config, run string) {
	t.Helper()
	p := c.Proto
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := svc.js.Stream(ctx, "PBX_EVENTS")
	require.NoError(t, err)
	m, err := st.GetLastMsgForSubject(ctx, "pbx.>")
	require.NoError(t, err)
	e, err := events.Unmarshal(m.Data)
	require.NoError(t, err)
	_, _, ok := newTokenFinder(run).find(m.Data)
	require.True(t, ok, "the last event carries a token of run %s: %s", run, m.Data)
	assert.True(t, e.Data.Recognised, "a MiVB record or trap")
	assert.Regexp(t, `^BENCH-\d\d$`, e.Data.System)
	if !p.SNMP() {
		assert.Equal(t, events.TransportSyslog, e.Data.Transport)
		require.NotNil(t, e.Data.Syslog)
		assert.Equal(t, c.Format, e.Data.Syslog.Format)
		want := map[Proto]string{UDP: "", TCP: c.Framing, TLS: FramingOctet}[p]
		assert.Equal(t, want, e.Data.Syslog.Framing)
		return
	}
	assert.Equal(t, events.TransportSNMP, e.Data.Transport)
	require.NotNil(t, e.Data.SNMP)
	wantPDU, wantVersion, wantUser := "trap", "2c", ""
	if p.Inform() {
		wantPDU = "inform"
	}
	if p.V3() {
		wantVersion, wantUser = "3", "benchops"
	}
	assert.Equal(t, wantPDU, e.Data.SNMP.PDU)
	assert.Equal(t, wantVersion, e.Data.SNMP.Version)
	assert.Equal(t, wantUser, e.Data.SNMP.User)
}

// A relay between the load tool and pbxalarm drops every tenth datagram:
// the report's loss is exactly what the relay dropped.
func TestRun_CountsLoss(t *testing.T) {
	svc := startService(t)
	relay, dropped := startDroppingRelay(t, svc.addrs.SyslogUDP.String(), 10)
	c := svc.config(t, UDP, 300)
	c.Target, c.Rate, c.Connections = relay, 5000, 1
	c.Wait = 3 * time.Second // the dropped ones never come
	r, err := Run(context.Background(), c, svc.js, nil)
	require.NoError(t, err)
	require.Equal(t, 300, r.Sent)
	assert.Equal(t, 30, int(dropped.Load()))
	assert.Equal(t, int(dropped.Load()), r.Lost, "lost")
	assert.Equal(t, 300-int(dropped.Load()), r.Received, "received")
	assert.InDelta(t, 10.0, r.LostPercent, 0.001)
	assert.True(t, r.TimedOut, "the wait ended at its deadline")
}

// With nothing listening, informs go unanswered: each is resent and then
// given up, and none arrives.
func TestRun_UnansweredInforms(t *testing.T) {
	svc := startService(t)
	silent, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer silent.Close()
	c := svc.config(t, InformV2c, 20)
	c.Target, c.InformTimeout, c.InformRetries, c.Wait = silent.LocalAddr().String(), 50*time.Millisecond, 2, time.Second
	r, err := Run(context.Background(), c, svc.js, nil)
	require.NoError(t, err)
	assert.Equal(t, 20, r.Sent)
	assert.Equal(t, 20, r.Lost)
	require.NotNil(t, r.Informs)
	assert.Equal(t, 20, r.Informs.Unanswered)
	assert.Equal(t, 40, r.Informs.Retries, "two resends each")
	assert.Zero(t, r.Informs.Answered)
}

// startDroppingRelay forwards datagrams to target, dropping every nth, and
// returns its address and the count of what it dropped.
func startDroppingRelay(t *testing.T, target string, nth int) (string, *atomic.Int64) {
	t.Helper()
	in, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	in.SetReadBuffer(4 << 20)
	to, err := net.ResolveUDPAddr("udp", target)
	require.NoError(t, err)
	out, err := net.DialUDP("udp", nil, to)
	require.NoError(t, err)
	var dropped atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 65536)
		for i := 1; ; i++ {
			n, err := in.Read(buf)
			if err != nil {
				return
			}
			if i%nth == 0 {
				dropped.Add(1)
				continue
			}
			out.Write(buf[:n])
		}
	}()
	t.Cleanup(func() { in.Close(); wg.Wait(); out.Close() })
	return in.LocalAddr().String(), &dropped
}
