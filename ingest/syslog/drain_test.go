package syslog

import (
	"net"
	"sync"
	"testing"
	"time"
)

// A shutdown that begins while connections are still being accepted and
// their first reads set up ends every one of them within the drain
// deadline (50 ms here), not at the idle timeout (ten minutes): a
// connection whose reader set its idle deadline just after the drain began
// must still see the drain's. Senders keep connecting while it stops, and
// it is repeated, because the window is a few instructions wide: without
// the second look in idleReader.Read, about one run in three of this test
// under -race hung here (one in two with the CPUs busy).
func TestTCP_ShutdownWhileConnectionsStartDrainsEveryOne(t *testing.T) {
	for round := range 120 {
		s := startTCP(t, WithIdleTimeout(10*time.Minute), WithDrainTimeout(50*time.Millisecond))
		var (
			mu    sync.Mutex
			conns []net.Conn
			wg    sync.WaitGroup
		)
		dialed := make(chan struct{})
		stop := make(chan struct{})
		for range 4 {
			wg.Go(func() {
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					c, err := net.Dial("tcp", s.addr)
					if err != nil {
						return // the listener has closed
					}
					mu.Lock()
					conns = append(conns, c)
					if len(conns) == 100 {
						close(dialed)
					}
					mu.Unlock()
				}
			})
		}
		<-dialed
		done := make(chan struct{})
		go func() { s.stop(); close(done) }()
		select {
		case <-done:
		case <-time.After(waitTimeout):
			t.Fatalf("round %d: Serve still waits on a connection after the drain deadline", round)
		}
		close(stop)
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	}
}
