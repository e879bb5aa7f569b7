package logstream

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
)

type countHandler struct {
	n    atomic.Int64
	want int64
	done chan struct{}
}

func (h *countHandler) HandleLogstream(context.Context, *Message) error {
	if h.n.Add(1) == h.want {
		close(h.done)
	}
	return nil
}

// BenchmarkClientLines measures lines read from one loopback stream and
// handed to a handler that does nothing: one op is one line of about 100
// bytes.
func BenchmarkClientLines(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	line := fmt.Sprintf("%-98s\r\n", "2020/08/21 09:00:00 MIVB-HQ Maintenance Warning License Violation: certificate update")
	chunk := []byte(strings.Repeat(line, 1000))

	h := &countHandler{want: int64(b.N), done: make(chan struct{})}
	c, err := New([]string{ln.Addr().String()}, h, WithLogger(quietLogger()))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { c.Run(ctx); close(ran) }()
	conn, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()

	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for left := b.N; left > 0; left -= 1000 {
			n := min(left, 1000)
			if _, err := conn.Write(chunk[:n*len(line)]); err != nil {
				return
			}
		}
	}()
	<-h.done
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	cancel()
	<-ran
}
