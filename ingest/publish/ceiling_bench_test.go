package publish

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"
)

// BenchmarkStoreCeiling measures how many event-sized messages, each with
// its own Nats-Msg-Id, the embedded server stores a second on file storage
// when the client does nothing else: no parsing, no encoding, no retry
// bookkeeping, an in-process connection as serve uses. It is the ceiling
// for every ingest figure on the same machine, and it compares the three
// ways of publishing that JetStream offers:
//
//   - ack: one PubAck per message (PublishMsgAsync), what the Publisher does;
//   - fastbatch: the server's fast-ingest batches (orbit's FastPublisher),
//     one flow ack per 500 messages, committed every 5,000;
//   - noack: plain core publishes, no acknowledgement at all, the clock
//     stopped when the stream's count stops growing: an upper bound no
//     acked scheme can beat; its "lost" metric shows why it is never used.
//
// PBXALARM_BENCH_DUPLICATES sets the stream's duplicate window (default
// DefaultDuplicates) and PBXALARM_BENCH_NO_MSGID=1 leaves the msg ids
// out, to see what each costs the server.
func BenchmarkStoreCeiling(b *testing.B) {
	window := DefaultDuplicates
	if d, err := time.ParseDuration(os.Getenv("PBXALARM_BENCH_DUPLICATES")); err == nil && d > 0 {
		window = d
	}
	withIDs := os.Getenv("PBXALARM_BENCH_NO_MSGID") != "1"
	for _, mode := range []string{"ack", "fastbatch", "noack"} {
		b.Run("mode="+mode+"/bytes=800", func(b *testing.B) {
			srv := startServer(b, -1, b.TempDir())
			nc, err := Connect(ConnConfig{URLs: srv.ClientURL(), Name: b.Name(), InProcess: srv}, quiet())
			if err != nil {
				b.Fatal(err)
			}
			defer nc.Close()
			js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(DefaultMaxInFlight))
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			stream, err := js.CreateStream(ctx, jetstream.StreamConfig{
				Name: DefaultStreamName, Subjects: []string{"pbx.>"}, Storage: jetstream.FileStorage,
				Duplicates: window, AllowBatchPublish: mode == "fastbatch",
			})
			if err != nil {
				b.Fatal(err)
			}
			data := make([]byte, 800) // about the size of an event
			for i := range data {
				data[i] = 'a' + byte(i%26)
			}
			msgs := make([]*nats.Msg, b.N)
			for i := range msgs {
				msgs[i] = &nats.Msg{
					// 50 systems' worth of subjects, as the load tool sends.
					Subject: "pbx.BENCH-" + strconv.Itoa(i%50) + ".log.info",
					Data:    data,
				}
				if withIDs {
					msgs[i].Header = nats.Header{jetstream.MsgIDHeader: []string{"ceiling-" + strconv.Itoa(i)}}
				}
			}
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			switch mode {
			case "ack":
				for _, m := range msgs {
					if _, err := js.PublishMsgAsync(m); err != nil {
						b.Fatal(err)
					}
				}
				select {
				case <-js.PublishAsyncComplete():
				case <-ctx.Done():
					b.Fatal(ctx.Err())
				}
			case "fastbatch":
				const batch = 5000
				for i := 0; i < len(msgs); i += batch {
					fp, err := jetstreamext.NewFastPublisher(js, jetstreamext.FastPublishFlowControl{Flow: 500, MaxOutstandingAcks: 2})
					if err != nil {
						b.Fatal(err)
					}
					end := min(i+batch, len(msgs))
					for _, m := range msgs[i : end-1] {
						if _, err := fp.AddMsg(m); err != nil {
							b.Fatal(err)
						}
					}
					if _, err := fp.CommitMsg(ctx, msgs[end-1]); err != nil {
						b.Fatal(err)
					}
				}
			case "noack":
				for _, m := range msgs {
					if err := nc.PublishMsg(m); err != nil {
						b.Fatal(err)
					}
				}
				// Without acks the server may drop what it cannot queue:
				// wait until the count stops moving, not for all of them.
				var last uint64
				for still := 0; still < 200; {
					info, err := stream.Info(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if n := info.State.Msgs; n != last {
						last, still = n, 0
					} else {
						still++
					}
					if last >= uint64(b.N) {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			b.StopTimer()
			info, err := stream.Info(ctx)
			if err != nil {
				b.Fatal(err)
			}
			stored := info.State.Msgs
			b.ReportMetric(float64(stored)/b.Elapsed().Seconds(), "msgs/s")
			b.ReportMetric(float64(uint64(b.N)-stored), "lost")
			if mode != "noack" && stored != uint64(b.N) {
				b.Fatalf("stream holds %d messages, published %d with acks", stored, b.N)
			}
		})
	}
}
