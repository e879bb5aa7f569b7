package board

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEvents_SnapshotOnConnectThenUpdateAfterPut(t *testing.T) {
	kv := newBucket(t, 10)
	t0 := time.Now().UTC().Truncate(time.Second)
	smallFleet(t, kv, t0)
	_, srv := startBoard(t, kv, fixedClock(t0))
	ev := openEvents(t, srv.URL)

	first := ev.next(t)
	require.Equal(t, "snapshot", first.Name)
	snap := decode[snapshotMessage](t, first.Data)
	assert.Equal(t, fleetOrder, keys(snap.Systems))
	assert.True(t, snap.ServerTime.Equal(t0))
	assert.False(t, snap.FleetTime.IsZero(), "the fleet's latest update time is sent")

	// MIVB-OLD escalates to Critical with System Lock in a day: it moves up
	// to second place.
	rev := put(t, kv, "mivb-old", state("MIVB-OLD", "critical", "cause", "licence_expired", "day", 15,
		"system_lock_at", t0.Add(24*time.Hour), "updated_at", time.Now()))
	got := ev.next(t)
	require.Equal(t, "update", got.Name)
	upd := decode[updateMessage](t, got.Data)
	assert.Equal(t, "mivb-old", upd.System.Key)
	assert.Equal(t, "critical", upd.System.Level)
	assert.Equal(t, rev, upd.System.Revision)
	assert.Equal(t, []string{"warning", "critical"}, levelsOf(upd.System.History))
	assert.Equal(t, []string{"mivb-lab", "mivb-old", "mivb-branch", "mivb-hq", "mivb-dc"}, upd.Order)
	assert.True(t, upd.ServerTime.Equal(t0))
}

func TestEvents_HeartbeatCarriesTheClock(t *testing.T) {
	kv := newBucket(t, 10)
	put(t, kv, "mivb-hq", state("MIVB-HQ", "minor", "updated_at", time.Date(2020, 8, 23, 9, 0, 0, 0, time.UTC)))
	_, srv := startBoard(t, kv, WithHeartbeat(50*time.Millisecond))
	ev := openEvents(t, srv.URL)
	require.Equal(t, "snapshot", ev.next(t).Name)
	timeout := time.After(wait)
	for {
		select {
		case e, ok := <-ev.events:
			require.True(t, ok, "stream ended")
			if e.Name != "heartbeat" {
				continue
			}
			c := decode[Clock](t, e.Data)
			assert.Equal(t, "fleet", c.Mode)
			assert.Equal(t, 2020, c.Now.Year())
			assert.False(t, c.ServerTime.IsZero())
			return
		case <-timeout:
			t.Fatal("no heartbeat")
		}
	}
}

func TestEvents_EachMessageIsOneDataLine(t *testing.T) {
	kv := newBucket(t, 10)
	// A value written pretty-printed, with newlines and a U+2028.
	putRaw(t, kv, "mivb-hq", []byte("{\n  \"system\": \"MIVB\u2028HQ\",\n  \"level\": \"minor\"\n}\n"))
	_, srv := startBoard(t, kv)
	resp, err := http.Get(srv.URL + "/events")
	require.NoError(t, err)
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	var lines []string
	for len(lines) < 5 {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		lines = append(lines, strings.TrimSuffix(line, "\n"))
	}
	assert.Equal(t, []string{"retry: 2000", "", "event: snapshot"}, lines[:3])
	assert.True(t, strings.HasPrefix(lines[3], "data: {"), lines[3])
	assert.Equal(t, "", lines[4], "the event ends after one data line")
	msg := decode[snapshotMessage](t, strings.TrimPrefix(lines[3], "data: "))
	require.Len(t, msg.Systems, 1)
	assert.Equal(t, "MIVB\u2028HQ", msg.Systems[0].Name)
}

func TestEvents_SlowClientDroppedWithoutBlockingOthers(t *testing.T) {
	kv := newBucket(t, 10)
	put(t, kv, "mivb-hq", state("MIVB-HQ", "warning"))
	b := New(kv, WithLogger(quiet()), WithClientBuffer(2), WithWriteTimeout(300*time.Millisecond))
	// Small socket buffers, so a client that does not read fills them fast.
	srv := httptest.NewUnstartedServer(b)
	srv.Listener = smallBufferListener{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	runBoard(t, b)
	eventually(t, func() bool { return b.Stats().Ready }, "ready")

	slow, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), wait)
	require.NoError(t, err)
	defer slow.Close()
	require.NoError(t, slow.(*net.TCPConn).SetReadBuffer(4096))
	_, err = fmt.Fprintf(slow, "GET /events HTTP/1.1\r\nHost: board\r\n\r\n")
	require.NoError(t, err)
	fast := openEvents(t, srv.URL)
	require.Equal(t, "snapshot", fast.next(t).Name)
	eventually(t, func() bool { return b.Stats().Clients == 2 }, "two clients")

	pad := strings.Repeat("x", 16<<10)
	var last uint64
	for i := range 60 {
		last = put(t, kv, "mivb-hq", state("MIVB-HQ", []string{"minor", "major"}[i%2], "pad", pad))
		// The fast client keeps up with every change while the slow one stalls.
		got := fast.next(t)
		require.Equal(t, "update", got.Name)
		require.Equal(t, last, decode[updateMessage](t, got.Data).System.Revision)
	}
	eventually(t, func() bool { return b.Stats().Dropped == 1 }, "the slow client dropped")
	assert.Equal(t, 1, b.Stats().Clients)

	// The slow client's connection ends once its pending write times out.
	require.NoError(t, slow.SetReadDeadline(time.Now().Add(wait)))
	_, err = io.Copy(io.Discard, slow)
	assert.False(t, errors.Is(err, os.ErrDeadlineExceeded), "connection still open: %v", err)
}

// smallBufferListener gives each accepted connection a small send buffer.
type smallBufferListener struct{ net.Listener }

func (l smallBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096) // best effort: the kernel may round it
	}
	return c, err
}

func TestEvents_ClosedWhenRunEnds(t *testing.T) {
	kv := newBucket(t, 10)
	b := New(kv, WithLogger(quiet()))
	srv := newServer(t, b)
	stop := runBoard(t, b)
	eventually(t, func() bool { return b.Stats().Ready }, "ready")
	ev := openEvents(t, srv.URL)
	require.Equal(t, "snapshot", ev.next(t).Name)

	stop()
	timeout := time.After(wait)
	for open := true; open; {
		select {
		case _, open = <-ev.events:
		case <-timeout:
			t.Fatal("event stream still open after Run returned")
		}
	}
	resp, err := http.Get(srv.URL + "/events")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	h, code := getJSON[health](t, srv.URL+"/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "stopped", h.Status)
}
