//go:build !race

package ingest

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/emulator"
	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

// A fleet of 500 systems at instant speed over TCP syslog and the
// maintenance-log stream: every message arrives, none twice. (Without
// the race detector, which makes 500 systems take minutes: scripts/test
// runs it in a separate pass.)
func TestEmulator_Fleet500InstantNoLoss(t *testing.T) {
	sc, err := emulator.Load("cert-2020")
	require.NoError(t, err)
	opts := []emulator.Option{emulator.WithInstant(), emulator.WithFleet(500), emulator.WithLinger(3 * time.Second)}
	names, err := emulator.Systems(sc, opts...)
	require.NoError(t, err)
	require.Len(t, names, 500)

	streamPort := testnet.FreePort(t, "tcp")
	cfg := testConfig(t)
	cfg.Systems = names
	cfg.MaxInFlight = 16384
	for ip := range names {
		cfg.Logstreams = append(cfg.Logstreams, net.JoinHostPort(ip, strconv.Itoa(streamPort)))
	}
	r := startService(t, cfg)
	a := r.svc.Addrs()
	c := collect(t, a.NATS, "PBX_EVENTS")
	targets := emulator.Targets{Syslog: []string{"tcp+octet://" + a.SyslogTCP.String()}, LogstreamPort: streamPort}
	expected, err := emulator.Expect(sc, targets, opts...)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	sum, err := emulator.Run(ctx, sc, targets, opts...)
	require.NoError(t, err)
	require.Zero(t, sum.Failed.Total())

	got := c.nextWithin(len(expected), 5*time.Minute)
	c.none(2 * time.Second)
	t.Logf("%d systems, %d events in %s", len(names), len(got), time.Since(start).Round(time.Millisecond))
	run := fleetRun{expected: expected, got: got, summary: sum, svc: r.svc}
	assertSameEvents(t, run)
	bySource := map[events.Transport]int{}
	for _, g := range got {
		bySource[g.event.Data.Transport]++
	}
	assert.Equal(t, bySource[events.TransportSyslog], bySource[events.TransportLogstream], "each record once per transport")
}
