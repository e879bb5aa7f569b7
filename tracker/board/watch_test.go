package board

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeBucket hands out scripted watches, one per WatchAll, so that tests
// can end a watch the way a lost NATS connection does.
type fakeBucket struct {
	mu      sync.Mutex
	watches []*fakeWatch
	fail    error
	calls   int
}

type fakeWatch struct {
	ch      chan jetstream.KeyValueEntry
	stopped chan struct{}
	once    sync.Once
}

func (w *fakeWatch) Updates() <-chan jetstream.KeyValueEntry { return w.ch }
func (w *fakeWatch) Stop() error                             { w.once.Do(func() { close(w.stopped) }); return nil }

func (b *fakeBucket) WatchAll(context.Context, ...jetstream.WatchOpt) (jetstream.KeyWatcher, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	if b.fail != nil {
		return nil, b.fail
	}
	w := &fakeWatch{ch: make(chan jetstream.KeyValueEntry, 16), stopped: make(chan struct{})}
	b.watches = append(b.watches, w)
	return w, nil
}

func (b *fakeBucket) watch(t testing.TB, n int) *fakeWatch {
	t.Helper()
	eventually(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.watches) >= n }, "watch started")
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.watches[n-1]
}

type entry struct {
	key   string
	value string
	rev   uint64
	op    jetstream.KeyValueOp
}

func (e entry) Bucket() string                  { return "pbx_licence" }
func (e entry) Key() string                     { return e.key }
func (e entry) Value() []byte                   { return []byte(e.value) }
func (e entry) Revision() uint64                { return e.rev }
func (e entry) Created() time.Time              { return d0 }
func (e entry) Delta() uint64                   { return 0 }
func (e entry) Operation() jetstream.KeyValueOp { return e.op }

func TestRun_RewatchForgetsKeysDeletedWhileDown(t *testing.T) {
	fb := &fakeBucket{}
	b := New(fb, WithLogger(quiet()))
	srv := newServer(t, b)
	runBoard(t, b)

	w1 := fb.watch(t, 1)
	w1.ch <- entry{key: "mivb-hq", value: `{"level":"minor"}`, rev: 1}
	w1.ch <- entry{key: "mivb-dc", value: `{"level":"major"}`, rev: 2}
	w1.ch <- nil
	eventually(t, func() bool { return b.Stats().Ready && b.Stats().Systems == 2 }, "first watch loaded")
	ev := openEvents(t, srv.URL)
	require.Equal(t, "snapshot", ev.next(t).Name)

	close(w1.ch) // the connection is lost
	eventually(t, func() bool { return !b.Stats().Ready }, "not ready after the watch ended")
	h, code := getJSON[health](t, srv.URL+"/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "watch_failed", h.Status)

	// The new watch replays what is left: mivb-dc was deleted meanwhile.
	w2 := fb.watch(t, 2)
	w2.ch <- entry{key: "mivb-hq", value: `{"level":"minor"}`, rev: 1}
	w2.ch <- nil
	got := ev.next(t)
	require.Equal(t, "snapshot", got.Name, "clients get a fresh snapshot after a re-watch")
	assert.Equal(t, []string{"mivb-hq"}, keys(decode[snapshotMessage](t, got.Data).Systems))
	st := b.Stats()
	assert.Equal(t, uint64(1), st.Rewatches)
	assert.Equal(t, 1, st.Systems)
	_, code = getJSON[health](t, srv.URL+"/healthz")
	assert.Equal(t, http.StatusOK, code)
}

func TestRun_KeepsTryingWhenTheWatchCannotStart(t *testing.T) {
	fb := &fakeBucket{fail: errors.New("nats: no responders")}
	b := New(fb, WithLogger(quiet()))
	srv := newServer(t, b)
	runBoard(t, b)
	eventually(t, func() bool { fb.mu.Lock(); defer fb.mu.Unlock(); return fb.calls >= 2 }, "a second try")
	h, code := getJSON[health](t, srv.URL+"/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Contains(t, h.Error, "no responders")
	// The page still renders, empty.
	resp, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestRun_StopsTheWatchWhenContextEnds(t *testing.T) {
	fb := &fakeBucket{}
	b := New(fb, WithLogger(quiet()))
	stop := runBoard(t, b)
	w := fb.watch(t, 1)
	stop()
	select {
	case <-w.stopped:
	case <-time.After(wait):
		t.Fatal("watch not stopped")
	}
}
