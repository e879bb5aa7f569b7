package snmp

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Linux routes all of 127/8 to lo: net-snmp's --clientaddr, or a socket
// bound to 127.0.0.2, is a second sender on the same machine.
const (
	inside  = "127.0.0.1"
	outside = "127.0.0.2"
)

// sendFrom writes datagrams to the receiver from a socket bound to from.
func sendFrom(t testing.TB, r *Receiver, from string, packets ...[]byte) {
	t.Helper()
	laddr := net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(from), 0))
	c, err := net.DialUDP("udp", laddr, r.Addr().(*net.UDPAddr))
	require.NoError(t, err)
	defer c.Close()
	for _, p := range packets {
		_, err := c.Write(p)
		require.NoError(t, err)
	}
}

// trapFrom runs net-snmp's snmptrap from the source address from.
func trapFrom(t testing.TB, r *Receiver, from string, args ...string) {
	t.Helper()
	out, err := run(t, "snmptrap", append([]string{"--clientaddr=" + from}, args...)...)
	require.NoError(t, err, out)
}

// A sender outside the allow-list is dropped before its datagram is
// decoded: a valid trap, a packet of garbage and a v3 discovery probe
// all count as not_allowed (not delivered, not malformed, no Report).
func TestReceiver_AllowListDropsOtherSendersUndecoded(t *testing.T) {
	c := newCollector()
	r := serve(t, c, append(testUsers(t), WithCommunity(testCommunity), WithAllow(netip.MustParsePrefix(inside+"/32")))...)
	trapFrom(t, r, outside, mivbTraps[1].v2cArgs(target(r))...)
	sendFrom(t, r, outside, []byte("not snmp at all"), readCase(t, "v3-discovery-probe"))
	eventually(t, func() bool { return r.Stats().Rejected(ReasonNotAllowed) == 3 }, "three not_allowed")
	c.none(t)

	trapFrom(t, r, inside, mivbTraps[1].v2cArgs(target(r))...)
	n := c.next(t)
	assert.Equal(t, inside, n.Peer.Addr().String())
	snap := r.Stats().Snapshot()
	assert.EqualValues(t, 4, snap["received"])
	assert.EqualValues(t, 1, snap["traps"])
	assert.Zero(t, snap["rejected_malformed"], "the garbage was never decoded")
	assert.Zero(t, snap["reports_sent"], "the probe was never answered")
}

// A flooder far above its rate loses what is beyond it, each loss
// counted, while net-snmp's snmptrap from another address within its rate
// loses nothing.
func TestReceiver_RateLimitsTrapsPerSender(t *testing.T) {
	const rate, burst, flood, batch = 2, 5, 300, 60 // five polite traps: within the burst
	c := newCollector()
	r := serve(t, c, WithCommunity(testCommunity), WithRateLimit(rate, burst))
	pkt := readCase(t, "v2c-trap-301-minor")
	var fromFlooder, fromPolite int
	drain := func() {
		for {
			select {
			case d := <-c.ch:
				if d.n.Peer.Addr().String() == outside {
					fromFlooder++
				} else {
					fromPolite++
				}
			default:
				return
			}
		}
	}
	start := time.Now()
	for sent := 0; sent < flood; sent += batch {
		batchOf := make([][]byte, batch)
		for i := range batchOf {
			batchOf[i] = pkt
		}
		sendFrom(t, r, outside, batchOf...)
		// every datagram delivered or counted before the next batch, so
		// none is lost in the socket buffer
		eventually(t, func() bool {
			drain()
			return fromFlooder+int(r.Stats().Rejected(ReasonRateLimited)) == sent+batch
		}, "the batch read")
		trapFrom(t, r, inside, mivbTraps[2].v2cArgs(target(r))...)
	}
	const politeSent = flood / batch
	eventually(t, func() bool { drain(); return fromPolite == politeSent }, "every polite trap")
	elapsed := time.Since(start)
	limited := int(r.Stats().Rejected(ReasonRateLimited))
	assert.Equal(t, flood, fromFlooder+limited, "flooder: delivered + rate_limited = sent")
	assert.GreaterOrEqual(t, fromFlooder, burst)
	assert.LessOrEqual(t, fromFlooder, burst+int(rate*elapsed.Seconds())+1, "at most its burst and its rate over %v", elapsed)
	assert.EqualValues(t, flood+politeSent, r.Stats().Snapshot()["received"])
}

// An inform over its sender's rate is dropped unanswered, so the sender
// retries (and net-snmp's snmpinform, told not to, times out).
func TestReceiver_RateLimitedInformIsNotAnswered(t *testing.T) {
	c := newCollector()
	r := serve(t, c, WithCommunity(testCommunity), WithRateLimit(0.001, 1)) // one, then none for the test
	trapFrom(t, r, inside, mivbTraps[1].v2cArgs(target(r))...)
	c.next(t)
	out, err := run(t, "snmpinform", append([]string{"-v", "2c", "-c", testCommunity, "-t", "1", "-r", "0"}, alarmArgs(target(r))...)...)
	require.Error(t, err, "snmpinform got an answer: %s", out)
	assert.Contains(t, out, "Timeout")
	assert.EqualValues(t, 1, r.Stats().Rejected(ReasonRateLimited))
	assert.Zero(t, r.Stats().Snapshot()["informs_answered"])
	c.none(t)
}

func TestListen_RejectsBadAdmission(t *testing.T) {
	for _, opt := range []Option{WithRateLimit(-1, 0), WithRateLimit(1, -5), WithAllow(netip.Prefix{})} {
		r, err := Listen("127.0.0.1:0", newCollector(), opt)
		if err == nil {
			r.Close()
		}
		assert.Error(t, err)
	}
}
