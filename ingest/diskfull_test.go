package ingest

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/internal/testdisk"
	"github.com/pbxalarm/pbxalarm/internal/testnats"
	"github.com/pbxalarm/pbxalarm/tracker"
)

// The disk under the embedded NATS fills up during a TCP load (a real
// full tmpfs, ENOSPC). The sender is held, an inform goes unanswered and
// /readyz says why; once room is made on the disk the store is reopened
// and every line arrives exactly once, without a restart, and the tracker
// and the board still follow the stream.
func TestFault_DiskFullHoldsSendersThenDeliversEverything(t *testing.T) {
	disk := testdisk.Mount(t, 96<<20)
	cfg := snmpConfig(t)
	cfg.Metrics = "127.0.0.1:0"
	cfg.Track = true
	cfg.HTTP = "127.0.0.1:0" // the board, whose KV watcher must also carry on
	cfg.DataDir = filepath.Join(disk, "data")
	cfg.StoreCheck = 100 * time.Millisecond
	cfg.MaxInFlight = 256
	r := startService(t, cfg)
	a := r.svc.Addrs()
	code, body := readyz(t, r.svc)
	require.Equal(t, http.StatusOK, code, body)

	unfill := testdisk.Fill(t, disk, 3<<20)
	const lines = 20000 // about 30 MB of events: ten times the room left, under the disk
	conn, err := net.Dial("tcp", a.SyslogTCP.String())
	require.NoError(t, err)
	defer conn.Close()
	writerDone := sendLines(conn, lines)

	assert.Contains(t, waitNotReady(t, r.svc).Error(), "embedded NATS cannot store")
	code, body = readyz(t, r.svc)
	assert.Equal(t, http.StatusServiceUnavailable, code, body)
	select {
	case err := <-writerDone:
		t.Fatalf("every line was taken although the disk is full: %v", err)
	default:
	}
	out, err := netSNMP(t, "snmpinform", append([]string{"-v", "2c", "-c", community, "-t", "1", "-r", "0",
		"udp:" + a.SNMP.String(), "", trap301}, alarmVarbinds(tok("inform", 0), "2")...)...)
	require.Error(t, err, "an inform must not be answered while its event cannot be stored: %s", out)

	unfill()
	waitSent(t, writerDone)
	require.Eventually(t, func() bool { return testnats.StreamMsgs(a.NATS, "PBX_EVENTS") >= lines },
		2*time.Minute, 100*time.Millisecond, "not everything arrived")
	counts := countAfterReopen(t, a.NATS)
	for n := range lines {
		require.Equal(t, 1, counts[tok("tcp", n)], "line %d", n)
	}
	assert.LessOrEqual(t, counts[tok("inform", 0)], 1)
	require.Eventually(t, func() bool { return r.svc.Ready() == nil }, 30*time.Second, 50*time.Millisecond)
	m := scrapeMetrics(t, r.svc)
	assert.GreaterOrEqual(t, m.value(t, "pbxalarm_store_reopens_total", "store", "events"), 1.0)
	assert.Equal(t, 1.0, m.value(t, "pbxalarm_store_writable", "store", "events"))

	// The tracker's consumer was recovered with the stream and goes on.
	_, err = conn.Write([]byte("<131>Aug 29 09:00:00 DISKPBX MAINT 004802 Error 2020/08/29 09:00:00 src=LicenseMgr mod=LMS: " +
		"License Violation reminder - level Major, day 9; cause: Security Certificate Update not installed; " +
		"first detected 2020/08/21 09:00:00; next level Critical on day 14\n"))
	require.NoError(t, err)
	nc, err := nats.Connect(a.NATS)
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.Eventually(t, func() bool {
		kv, err := js.KeyValue(ctx, tracker.Bucket)
		if err != nil {
			return false
		}
		_, err = kv.Get(ctx, events.SystemToken("DISKPBX"))
		return err == nil
	}, 2*time.Minute, 100*time.Millisecond, "the tracker never recorded the licence violation sent after the reopen")
	require.Eventually(t, func() bool {
		code, body := httpGet(t, "http://"+a.HTTP.String()+"/api/fleet")
		return code == http.StatusOK && strings.Contains(body, "DISKPBX")
	}, time.Minute, 100*time.Millisecond, "the board never showed the system recorded after the reopen")
}

// The same with an external NATS: the disk under the spool fills. The
// spool's store is reopened once there is room, the forwarder carries on
// and every line reaches the external stream exactly once.
func TestFault_SpoolDiskFullThenRoomDeliversEverything(t *testing.T) {
	np := testnats.New(t)
	np.Start()
	disk := testdisk.Mount(t, 96<<20)
	cfg := testConfig(t)
	cfg.NATSURL = np.URL()
	cfg.DataDir = filepath.Join(disk, "data")
	cfg.SpoolMaxBytes = 64 << 20
	cfg.StoreCheck = 100 * time.Millisecond
	cfg.MaxInFlight = 256
	r := startService(t, cfg)
	a := r.svc.Addrs()

	unfill := testdisk.Fill(t, disk, 1<<20)
	const lines = 10000
	conn, err := net.Dial("tcp", a.SyslogTCP.String())
	require.NoError(t, err)
	defer conn.Close()
	writerDone := sendLines(conn, lines)
	assert.Contains(t, waitNotReady(t, r.svc).Error(), "spool cannot store")

	unfill()
	waitSent(t, writerDone)
	require.Eventually(t, func() bool { return testnats.StreamMsgs(np.URL(), "PBX_EVENTS") >= lines },
		2*time.Minute, 100*time.Millisecond, "not everything arrived")
	counts := testnats.TokenCounts(t, np.URL(), "PBX_EVENTS", tokenRE)
	for n := range lines {
		require.Equal(t, 1, counts[tok("tcp", n)], "line %d", n)
	}
	assert.Len(t, counts, lines, "no event beyond what was sent")
	assert.GreaterOrEqual(t, r.svc.spool.StoreReopens(), uint64(1))
	require.Eventually(t, func() bool { return r.svc.Ready() == nil }, 30*time.Second, 50*time.Millisecond)
}

// sendLines writes n padded lines tok-tcp-000000... to conn and reports
// the outcome. There is no write deadline: TCP flow control holds the
// writer while pbxalarm cannot store.
func sendLines(conn net.Conn, n int) <-chan error {
	pad := string(bytes.Repeat([]byte("x"), 400))
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if _, err := conn.Write([]byte(syslogLine(tok("tcp", i)) + " " + pad + "\n")); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	return done
}

// waitNotReady waits until the full disk makes svc not ready and returns
// the reason it gives.
func waitNotReady(t *testing.T, svc *Service) error {
	t.Helper()
	var notReady error
	require.Eventually(t, func() bool { notReady = svc.Ready(); return notReady != nil },
		60*time.Second, 10*time.Millisecond, "the full disk must make the service not ready")
	t.Logf("not ready: %v", notReady)
	return notReady
}

// waitSent waits for sendLines to finish once room is made.
func waitSent(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(2 * time.Minute):
		t.Fatal("the sender was still held two minutes after room was made")
	}
}

// countAfterReopen reads the tokens in the stream. A new client right
// after the reopen was once (in CI, not reproduced since) answered "no
// responders" by the JetStream API, as it may be while a server restarts:
// such a read is retried, and said.
func countAfterReopen(t *testing.T, url string) map[string]int {
	t.Helper()
	var counts map[string]int
	require.Eventually(t, func() bool {
		var err error
		counts, err = testnats.ReadTokenCounts(url, "PBX_EVENTS", tokenRE)
		if err != nil {
			t.Logf("reading the stream after the reopen: %v (retrying)", err)
		}
		return err == nil
	}, time.Minute, 200*time.Millisecond, "the stream could not be read after the reopen")
	return counts
}
