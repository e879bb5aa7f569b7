package board

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/pbxalarm/pbxalarm/ingest/publish"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wait bounds every wait on a condition in these tests.
const wait = 20 * time.Second

// quiet discards logs: nats goroutines may log after a test has ended.
func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// newBucket starts an embedded NATS server in a temporary directory and
// returns a licence bucket on it keeping history entries per key.
func newBucket(t testing.TB, history uint8) jetstream.KeyValue {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	srv, err := publish.StartEmbedded(ctx, publish.EmbeddedConfig{Port: -1, StoreDir: t.TempDir()}, quiet())
	require.NoError(t, err)
	t.Cleanup(srv.Shutdown)
	nc, err := nats.Connect(srv.ClientURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "pbx_licence", History: history})
	require.NoError(t, err)
	return kv
}

// put stores a licence state as the tracker would.
func put(t testing.TB, kv jetstream.KeyValue, key string, state map[string]any) uint64 {
	t.Helper()
	b, err := json.Marshal(state)
	require.NoError(t, err)
	return putRaw(t, kv, key, b)
}

func putRaw(t testing.TB, kv jetstream.KeyValue, key string, value []byte) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	rev, err := kv.Put(ctx, key, value)
	require.NoError(t, err)
	return rev
}

// state builds a tracker value; times are RFC 3339 strings as the tracker
// writes them.
func state(system, level string, fields ...any) map[string]any {
	m := map[string]any{"system": system, "level": level}
	for i := 0; i+1 < len(fields); i += 2 {
		v := fields[i+1]
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(time.RFC3339)
		}
		m[fields[i].(string)] = v
	}
	return m
}

// startBoard runs a board over kv until the test ends and serves it;
// it waits until the board has the bucket's initial values.
func startBoard(t testing.TB, kv jetstream.KeyValue, opts ...Option) (*Board, *httptest.Server) {
	t.Helper()
	b := New(kv, append([]Option{WithLogger(quiet())}, opts...)...)
	srv := newServer(t, b)
	runBoard(t, b)
	eventually(t, func() bool { return b.Stats().Ready }, "board ready")
	return b, srv
}

// newServer serves h on 127.0.0.1 until the test ends.
func newServer(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// runBoard runs b until the test ends and checks that Run then returns nil.
// It returns a function that ends Run early and waits for it.
func runBoard(t testing.TB, b *Board) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				assert.NoError(t, err)
			case <-time.After(wait):
				t.Error("Run did not return after its context ended")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func contextWithWait() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), wait)
}

// eventually waits for cond with the tests' deadline.
func eventually(t testing.TB, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, not synchronising
	}
}

// sseEvent is one server-sent event as read off the wire.
type sseEvent struct {
	Name string
	Data string
}

// sseClient reads an event stream into a channel, closed when the stream
// ends.
type sseClient struct {
	events chan sseEvent
	resp   *http.Response
}

func openEvents(t testing.TB, url string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/events", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	c := &sseClient{events: make(chan sseEvent, 1024), resp: resp}
	go func() {
		defer close(c.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Name != "" || ev.Data != "" {
					c.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.Name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.Data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	return c
}

// next returns the next event that is not a heartbeat.
func (c *sseClient) next(t testing.TB) sseEvent {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				t.Fatal("event stream ended")
			}
			if ev.Name != "heartbeat" {
				return ev
			}
		case <-timeout:
			t.Fatal("timed out waiting for an event")
		}
	}
}

func decode[T any](t testing.TB, data string) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(data), &v), data)
	return v
}

func getJSON[T any](t testing.TB, url string) (T, int) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return decode[T](t, string(body)), resp.StatusCode
}
