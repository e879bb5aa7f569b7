package logstream

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// unansweredAddr returns a loopback address where a TCP connect hangs: a
// socket listens there with a full accept queue and never accepts, so
// Linux drops further SYNs and the connecting side keeps retrying.
func unansweredAddr(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	require.NoError(t, err)
	t.Cleanup(func() { syscall.Close(fd) })
	require.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	require.NoError(t, syscall.Listen(fd, 0))
	sa, err := syscall.Getsockname(fd)
	require.NoError(t, err)
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	// Fill the queue until a connect no longer completes.
	for range 16 {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return addr
		}
		t.Cleanup(func() { conn.Close() })
	}
	t.Fatal("the accept queue never filled")
	return ""
}

// dialing reports whether some socket on this machine is in SYN_SENT
// towards 127.0.0.1:port, that is whether a connect to it is under way.
func dialing(t *testing.T, addr string) func() bool {
	t.Helper()
	ap := netip.MustParseAddrPort(addr)
	remote := fmt.Sprintf("0100007F:%04X", ap.Port())
	return func() bool {
		b, err := os.ReadFile("/proc/net/tcp")
		require.NoError(t, err)
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) > 3 && f[2] == remote && f[3] == "02" {
				return true
			}
		}
		return false
	}
}
