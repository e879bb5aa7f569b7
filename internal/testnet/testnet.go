// Package testnet provides what tests need of the local network: ports to
// bind to.
package testnet

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// FreePort returns a port on 127.0.0.1 that was free for network ("tcp"
// or "udp") a moment ago, for tests that must name a port before the
// process that binds it starts, or bind it again after a restart.
func FreePort(t testing.TB, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
