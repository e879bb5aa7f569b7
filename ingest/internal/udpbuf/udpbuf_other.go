//go:build !linux

package udpbuf

import "net"

// Set sets SO_RCVBUF to n; the size granted is not known here.
func Set(c *net.UDPConn, n int) (int, error) {
	return n, c.SetReadBuffer(n)
}
