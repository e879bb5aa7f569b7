//go:build linux

package udpbuf

import (
	"net"
	"syscall"
)

// Set sets SO_RCVBUF to n and returns what the kernel granted.
// SO_RCVBUFFORCE is tried first: as root it may exceed net.core.rmem_max.
func Set(c *net.UDPConn, n int) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var forced error
	if err := rc.Control(func(fd uintptr) {
		forced = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, n)
	}); err != nil {
		return 0, err
	}
	if forced != nil {
		if err := c.SetReadBuffer(n); err != nil {
			return 0, err
		}
	}
	var granted int
	var gerr error
	if err := rc.Control(func(fd uintptr) {
		granted, gerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	}); err != nil {
		return 0, err
	}
	return granted, gerr
}
