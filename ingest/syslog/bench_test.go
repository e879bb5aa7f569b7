package syslog

import (
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

var benchLines = map[string][]byte{
	"rfc3164": []byte("<12>Aug 21 09:14:02 mivb-ctrl-1 MiVB[812]: License Violation: level Minor, day 3 of the grace period"),
	"rfc5424": []byte(`<12>1 2020-08-21T09:14:02.123Z mivb-ctrl-1 MiVB 812 LIC [mivb@1027 level="Minor" day="3"] License Violation: level Minor`),
	"none":    []byte("License Violation: level Minor, day 3 of the grace period"),
}

func BenchmarkParse(b *testing.B) {
	p := NewParser()
	now := time.Now()
	for name, line := range benchLines {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				p.Parse(line, now)
			}
		})
	}
}

func BenchmarkFramer(b *testing.B) {
	line := benchLines["rfc5424"]
	var lfStream, ocStream bytes.Buffer
	for range 1000 {
		lfStream.Write(line)
		lfStream.WriteByte('\n')
		ocStream.WriteString(strconv.Itoa(len(line)) + " ")
		ocStream.Write(line)
	}
	for name, stream := range map[string][]byte{"lf": lfStream.Bytes(), "octet-counting": ocStream.Bytes()} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(stream)))
			b.ReportAllocs()
			frames := 0
			for b.Loop() {
				f := newFramer(bytes.NewReader(stream), DefaultMaxFrameSize)
				for {
					if _, err := f.next(); err == io.EOF {
						break
					}
					frames++
				}
			}
			b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}

// counter is a no-op handler that counts.
type counter struct{ n atomic.Int64 }

func (c *counter) HandleSyslog(context.Context, *Message) error { c.n.Add(1); return nil }

func BenchmarkUDPIngest(b *testing.B) {
	h := new(counter)
	l, err := ListenUDP("127.0.0.1:0", h, WithLogger(discardLogger()))
	if err != nil {
		b.Fatal(err)
	}
	s := serve(b, l, nil, nil, nil)
	c, err := net.Dial("udp", s.addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	line := benchLines["rfc3164"]
	b.SetBytes(int64(len(line)))
	sent := int64(0)
	start := time.Now()
	for b.Loop() {
		c.Write(line)
		sent++
		// Keep the socket buffer from overflowing: UDP loss would make
		// the figure meaningless.
		for sent-h.n.Load() > 256 {
			time.Sleep(10 * time.Microsecond)
		}
	}
	waitFor(b, "every datagram", func() bool { return h.n.Load() == sent })
	b.ReportMetric(float64(sent)/time.Since(start).Seconds(), "msgs/s")
}

func BenchmarkTCPIngest(b *testing.B) {
	h := new(counter)
	l, err := ListenTCP("127.0.0.1:0", h, WithLogger(discardLogger()))
	if err != nil {
		b.Fatal(err)
	}
	s := serve(b, l, nil, nil, nil)
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	line := append(bytes.Clone(benchLines["rfc3164"]), '\n')
	batch := bytes.Repeat(line, 64)
	b.SetBytes(int64(len(line)))
	sent := int64(0)
	start := time.Now()
	for b.Loop() {
		if sent%64 == 0 {
			if _, err := c.Write(batch); err != nil {
				b.Fatal(err)
			}
		}
		sent++
	}
	// Round the stream up to whole batches.
	sent = (sent + 63) / 64 * 64
	waitFor(b, "every frame", func() bool { return h.n.Load() == sent })
	b.ReportMetric(float64(sent)/time.Since(start).Seconds(), "msgs/s")
}
