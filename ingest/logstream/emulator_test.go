package logstream

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	emulog "github.com/pbxalarm/pbxalarm/emulator/logstream"
)

// emulatorPBX serves a virtual PBX's maintenance log on addr until stop
// is called or the test ends.
func emulatorPBX(t *testing.T, addr string) (pbx *emulog.Server, stop func()) {
	t.Helper()
	pbx, err := emulog.Listen(addr, emulog.WithLogger(quietLogger()))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pbx.Serve(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(waitFor):
			t.Fatal("emulator did not stop")
		}
	}
	t.Cleanup(stop)
	return pbx, stop
}

func records(from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%05d 2020/08/%02d 09:00:00 License Violation record %d", i, 21+i%10, i))
	}
	return out
}

// The emulator runs before pbxalarm connects: its backlog reaches the
// client whole and in order, and lines sent later follow.
func TestClient_WithEmulator_ReceivesBacklogThenLiveLines(t *testing.T) {
	pbx, _ := emulatorPBX(t, "127.0.0.1:0")
	for _, l := range records(0, 500) {
		pbx.Send(l)
	}
	col := newCollector()
	c := newClient(t, []string{pbx.Addr().String()}, col)
	run(t, c)
	assert.Equal(t, records(0, 500), texts(col.next(t, 500)))
	eventually(t, func() bool { return pbx.Stats().Clients == 1 }, "connected")
	for _, l := range records(500, 600) {
		pbx.Send(l)
	}
	assert.Equal(t, records(500, 600), texts(col.next(t, 100)))
}

// The PBX restarts: the client reconnects with backoff and receives what
// the new PBX logged meanwhile, then what it logs next.
func TestClient_WithEmulator_ReconnectsAfterPBXRestart(t *testing.T) {
	pbx, stop := emulatorPBX(t, "127.0.0.1:0")
	addr := pbx.Addr().String()
	col := newCollector()
	c := newClient(t, []string{addr}, col)
	run(t, c)
	eventually(t, func() bool { return pbx.Stats().Clients == 1 }, "connected")
	for _, l := range records(0, 10) {
		pbx.Send(l)
	}
	assert.Equal(t, records(0, 10), texts(col.next(t, 10)))

	stop()
	eventually(t, func() bool { return !c.Stats().Peer(addr).Connected }, "client saw the PBX go")
	restarted, _ := emulatorPBX(t, addr)
	for _, l := range records(10, 20) {
		restarted.Send(l) // logged before the client is back
	}
	assert.Equal(t, records(10, 20), texts(col.next(t, 10)))
	eventually(t, func() bool { return restarted.Stats().Clients == 1 }, "reconnected")
	for _, l := range records(20, 25) {
		restarted.Send(l)
	}
	assert.Equal(t, records(20, 25), texts(col.next(t, 5)))
	st := c.Stats().Peer(addr)
	assert.Equal(t, uint64(1), st.Reconnects)
	assert.Equal(t, uint64(25), st.Lines)
}
