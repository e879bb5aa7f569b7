package publish

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testdisk"
)

// A disk that fills up under load: the stream's files hit ENOSPC, which
// nats-server keeps as a write error for good, so every later publish
// fails even once there is room. The store watcher must see it, leave the
// store alone while the disk has no room, reopen it once room is made, and
// the publisher's retries must then store every message exactly once.
func TestEmbedded_DiskFullThenRoom_ReopensAndStoresEachMessageOnce(t *testing.T) {
	disk := testdisk.Mount(t, 24<<20)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := StartEmbedded(ctx, EmbeddedConfig{
		Port: -1, StoreDir: filepath.Join(disk, "js"), StoreCheck: 50 * time.Millisecond,
	}, quiet())
	require.NoError(t, err)
	t.Cleanup(srv.Shutdown)
	nc, err := Connect(ConnConfig{URLs: srv.ClientURL(), Name: t.Name(), InProcess: srv}, quiet())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ensureStream(t, js)
	require.NoError(t, srv.StoreError())

	// Leave room for about a third of what will be sent.
	unfill := testdisk.Fill(t, disk, 2<<20)
	p := NewPublisher(js, WithLogger(quiet()), WithMaxInFlight(256),
		WithRetryBackoff(20*time.Millisecond, 200*time.Millisecond), WithAckTimeout(2*time.Second))
	dl := newDoneLog()
	const n = 3000
	data := []byte(strings.Repeat("x", 2000))
	var sent sync.WaitGroup
	sent.Go(func() {
		for i := range n {
			id := msgIDFor("full", i)
			if err := p.Publish(ctx, "pbx.test.log.info", id, data, dl.fn(id)); err != nil {
				t.Errorf("publish %s: %v", id, err)
				return
			}
		}
	})

	// The watcher may already be reopening the store by the next look:
	// keep the first error seen.
	var storeErr error
	require.Eventually(t, func() bool { storeErr = srv.StoreError(); return storeErr != nil },
		time.Minute, 5*time.Millisecond, "the full disk must show as a store error")
	require.Contains(t, storeErr.Error(), "no space left on device")
	inFlight := p.Stats().InFlight
	require.Positive(t, inFlight, "messages wait for the store rather than being dropped")
	// A write that failed may have left some room, worth one try; then the
	// watcher waits for room to be made rather than reopening in vain
	// (each reopen disconnects every client).
	time.Sleep(10 * 50 * time.Millisecond) // ten checks
	tried := srv.StoreReopens()
	require.LessOrEqual(t, tried, uint64(1))
	time.Sleep(10 * 50 * time.Millisecond)
	require.Equal(t, tried, srv.StoreReopens(), "no reopen while the disk has no more room")

	unfill()
	sent.Wait()
	require.NoError(t, p.Close(ctx), "every message is acknowledged once there is room")
	require.NoError(t, srv.StoreError())
	require.GreaterOrEqual(t, srv.StoreReopens(), uint64(1))
	requireDoneOnce(t, dl, "full", n)
	requireExactlyOnce(t, storedIDs(t, js, DefaultStreamName), map[string]int{"full": n})
}
