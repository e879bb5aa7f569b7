package publish

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// BenchmarkPublish measures messages per second into the embedded server's
// JetStream with file storage, acks included: the clock stops after Close
// has seen every PubAck.
func BenchmarkPublish(b *testing.B) {
	for _, size := range []int{256, 1024} {
		b.Run("bytes="+strconv.Itoa(size), func(b *testing.B) {
			srv := startServer(b, -1, b.TempDir())
			_, js := connect(b, srv.ClientURL())
			ensureStream(b, js)
			p := NewPublisher(js, WithLogger(quiet()))
			data := make([]byte, size)
			for i := range data {
				data[i] = 'a' + byte(i%26)
			}
			ids := make([]string, b.N)
			for i := range ids {
				ids[i] = "bench-" + strconv.Itoa(i)
			}
			ctx := context.Background()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := p.Publish(ctx, "pbx.bench.log.info", ids[i], data, nil); err != nil {
					b.Fatal(err)
				}
			}
			if err := p.Close(ctx); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkRawPublishAsync is the baseline: the jetstream package's own
// PublishAsync with no retry bookkeeping, same server and payload, so the
// difference is the Publisher's cost.
func BenchmarkRawPublishAsync(b *testing.B) {
	const size = 256
	srv := startServer(b, -1, b.TempDir())
	nc, _ := connect(b, srv.ClientURL())
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(DefaultMaxInFlight))
	if err != nil {
		b.Fatal(err)
	}
	ensureStream(b, js)
	data := make([]byte, size)
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = "bench-" + strconv.Itoa(i)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := js.PublishAsync("pbx.bench.log.info", data, jetstream.WithMsgID(ids[i])); err != nil {
			b.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkPublish_LatencyAtRate publishes at a fixed rate
// (PBXALARM_BENCH_PUB_RATE, default 10,000/s) through an in-process
// connection, as serve does, and reports the percentiles of the time from
// Publish to done, that is to the PubAck: the publishing part of
// receipt-to-PubAck latency (parsing and encoding add some 10-20 µs).
func BenchmarkPublish_LatencyAtRate(b *testing.B) {
	rate := 10000
	if v, err := strconv.Atoi(os.Getenv("PBXALARM_BENCH_PUB_RATE")); err == nil && v > 0 {
		rate = v
	}
	srv := startServer(b, -1, b.TempDir())
	nc, err := Connect(ConnConfig{URLs: srv.ClientURL(), Name: b.Name(), InProcess: srv}, quiet())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	ensureStream(b, js)
	p := NewPublisher(js, WithLogger(quiet()))
	data := make([]byte, 800) // about the size of an event
	for i := range data {
		data[i] = 'a' + byte(i%26)
	}
	lat := make([]time.Duration, b.N)
	ctx := context.Background()
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	b.ResetTimer()
	begin := time.Now()
	for i := 0; i < b.N; <-t.C {
		// Catch up to the rate: a late tick sends more, not fewer.
		due := min(b.N, int(time.Since(begin).Seconds()*float64(rate))+1)
		for ; i < due; i++ {
			start, k := time.Now(), i
			err := p.Publish(ctx, "pbx.bench.log.info", "lat-"+strconv.Itoa(i), data, func(error) { lat[k] = time.Since(start) })
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	offered := float64(b.N) / time.Since(begin).Seconds()
	if err := p.Close(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(offered, "offered/s")
	slices.Sort(lat)
	pct := func(q float64) float64 { return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(pct(0.999), "p99.9-µs")
}
