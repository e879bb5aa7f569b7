package publish

import (
	"context"
	"strconv"
	"testing"

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
