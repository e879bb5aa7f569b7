package testnet

import (
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// The port returned can be bound again at once, on the network asked for.
func TestFreePort_CanBeBound(t *testing.T) {
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) {
			p := FreePort(t, network)
			require.Positive(t, p)
			addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
			if network == "udp" {
				c, err := net.ListenPacket("udp", addr)
				require.NoError(t, err)
				require.NoError(t, c.Close())
				return
			}
			l, err := net.Listen("tcp", addr)
			require.NoError(t, err)
			require.NoError(t, l.Close())
		})
	}
}
