package procnet

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A real socket with a small receive buffer that nobody reads: the kernel
// drops what does not fit, and ReadUDP reports exactly that socket's drops.
func TestReadUDP_RealSocketDrops(t *testing.T) {
	rx, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer rx.Close()
	require.NoError(t, rx.SetReadBuffer(1024)) // the kernel doubles it and enforces its minimum
	tx, err := net.DialUDP("udp", nil, rx.LocalAddr().(*net.UDPAddr))
	require.NoError(t, err)
	defer tx.Close()
	local := rx.LocalAddr().(*net.UDPAddr).AddrPort()

	find := func() Socket {
		socks, err := ReadUDP()
		require.NoError(t, err)
		for _, s := range socks {
			if s.Bound(local) {
				return s
			}
		}
		t.Fatalf("socket %s not in %v", local, Files)
		return Socket{}
	}
	before := find()
	assert.Zero(t, before.Drops)
	assert.Zero(t, before.RxQueue)
	const sent = 200
	for range sent {
		_, err := tx.Write(make([]byte, 600))
		require.NoError(t, err)
	}
	// Loopback delivery is synchronous with the send; nothing is in flight.
	after := find()
	require.NotZero(t, after.Drops, "a 1 KiB buffer cannot hold %d datagrams of 600 bytes", sent)
	assert.NotZero(t, after.RxQueue, "what fitted waits in the queue")
	// Every datagram either waits in the queue or was dropped.
	read := 0
	require.NoError(t, rx.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
	buf := make([]byte, 2048)
	for {
		if _, err := rx.Read(buf); err != nil {
			break
		}
		read++
	}
	assert.Equal(t, sent, read+int(after.Drops), "read %d, dropped %d", read, after.Drops)
	assert.Zero(t, find().RxQueue, "the queue is empty once read")
}
