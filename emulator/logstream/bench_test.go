package logstream

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"
)

// BenchmarkServerSend measures lines sent to one connected client that
// reads them all: one op is one line of about 100 bytes, from Send to the
// client's read.
func BenchmarkServerSend(b *testing.B) {
	s, err := Listen("127.0.0.1:0", WithLogger(quietLogger()), WithClientQueue(1<<30))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { s.Serve(ctx); close(served) }()
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	for deadline := time.Now().Add(10 * time.Second); s.Stats().Clients != 1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("client not registered")
		}
	}
	read := make(chan int)
	go func() {
		r := bufio.NewReaderSize(conn, 64<<10)
		n := 0
		for n < b.N {
			if _, err := r.ReadSlice('\n'); err != nil {
				break
			}
			n++
		}
		read <- n
	}()
	const line = "2020/08/21 09:00:00 MIVB-HQ Maintenance Warning License Violation: certificate update not applied"
	b.SetBytes(int64(len(line) + 2))
	b.ResetTimer()
	for range b.N {
		s.Send(line)
	}
	if n := <-read; n != b.N {
		b.Fatalf("read %d of %d lines", n, b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	cancel()
	<-served
}
