// Package testnet provides what tests need of the local network: ports to
// bind to.
package testnet

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FreePort returns a port that was free for network ("tcp" or "udp") on
// every local address a moment ago, for tests that must name a port before
// the process that binds it starts, or bind it again after a restart.
//
// The port is taken from below the kernel's ephemeral range, so that no
// connection made meanwhile, by this test or by another package's tests
// running beside it, can be given it as its local port. A port the kernel
// hands out for ":0" is from that range, and was once seen taken by an
// emulated system's own outgoing connection on 127.0.0.3 between the
// test naming it and the emulator binding it there.
func FreePort(t testing.TB, network string) int {
	t.Helper()
	lo, hi := portRange()
	for range 200 {
		p := lo + rand.IntN(hi-lo)
		if free(network, p) {
			return p
		}
	}
	require.FailNow(t, fmt.Sprintf("no free %s port in [%d, %d) after 200 tries", network, lo, hi))
	return 0
}

// portRange is the range FreePort draws from: the 16384 ports below the
// ephemeral range, or above 1024 when that range starts too low.
func portRange() (lo, hi int) {
	hi = 32768 // Linux's default lower bound
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				hi = n
			}
		}
	}
	lo = max(hi-16384, 1025)
	if hi-lo < 1024 {
		lo, hi = 1025, 32768
	}
	return lo, hi
}

// free says whether port can be bound on the wildcard address, which
// fails while any local address has it bound.
func free(network string, port int) bool {
	addr := net.JoinHostPort("0.0.0.0", strconv.Itoa(port))
	if network == "udp" {
		c, err := net.ListenPacket("udp4", addr)
		if err != nil {
			return false
		}
		return c.Close() == nil
	}
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		return false
	}
	return l.Close() == nil
}
