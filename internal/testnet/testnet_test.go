package testnet

import (
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// The port returned can be bound again at once, on the network asked for,
// on any loopback address, and is not one the kernel hands out to
// connections.
func TestFreePort_CanBeBoundOutsideTheEphemeralRange(t *testing.T) {
	lo, hi := portRange()
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) {
			p := FreePort(t, network)
			require.GreaterOrEqual(t, p, lo)
			require.Less(t, p, hi)
			for _, host := range []string{"127.0.0.1", "127.0.0.3"} {
				addr := net.JoinHostPort(host, strconv.Itoa(p))
				if network == "udp" {
					c, err := net.ListenPacket("udp", addr)
					require.NoError(t, err)
					require.NoError(t, c.Close())
					continue
				}
				l, err := net.Listen("tcp", addr)
				require.NoError(t, err)
				require.NoError(t, l.Close())
			}
		})
	}
}

// A port bound on any one loopback address is not free.
func TestFree_SeesAPortBoundOnAnotherLoopbackAddress(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.3:0")
	require.NoError(t, err)
	defer l.Close()
	require.False(t, free("tcp", l.Addr().(*net.TCPAddr).Port))

	c, err := net.ListenPacket("udp", "127.0.0.3:0")
	require.NoError(t, err)
	defer c.Close()
	require.False(t, free("udp", c.LocalAddr().(*net.UDPAddr).Port))

	// A connection's local port is taken too, which is what FreePort's
	// range keeps clear of.
	d, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer d.Close()
	require.False(t, free("tcp", d.LocalAddr().(*net.TCPAddr).Port))
}
