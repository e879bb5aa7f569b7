//go:build !linux

package syslog

import "net"

// setReadBuffer sets SO_RCVBUF to n; the size granted is not known here.
func setReadBuffer(c *net.UDPConn, n int) (int, error) {
	return n, c.SetReadBuffer(n)
}
