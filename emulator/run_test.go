package emulator

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

// progressLog keeps every progress report.
type progressLog struct {
	mu  sync.Mutex
	all []Progress
}

func (l *progressLog) add(p Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, p)
}

func (l *progressLog) last() (Progress, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.all) == 0 {
		return Progress{}, false
	}
	return l.all[len(l.all)-1], true
}

// TestRun_AgentAndLogStreamFollowTheSystem runs a fleet with agents and
// log streams, lingering, and reads both back as a poller and a log
// client would.
func TestRun_AgentAndLogStreamFollowTheSystem(t *testing.T) {
	sc := mustParse(t, smallScenario)
	agentPort, lsPort := testnet.FreePort(t, "udp"), testnet.FreePort(t, "tcp")
	tg := Targets{AgentPort: agentPort, AgentCommunity: "mivb-read", LogstreamPort: lsPort}
	want, err := Expect(sc, tg, WithInstant())
	require.NoError(t, err)
	p := planOf(t, sc)

	var pl progressLog
	var expBuf bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		s   Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := Run(ctx, sc, tg, WithInstant(), WithLinger(-1), WithProgress(pl.add, 5*time.Millisecond), WithExpectations(&expBuf))
		done <- result{s, err}
	}()
	waitFor(t, "the plan to be played", func() bool {
		last, ok := pl.last()
		return ok && last.Virtual.Equal(p.end)
	})

	// The agent of each system shows its final state.
	for i, ps := range p.systems {
		final := ps.initial
		for _, it := range p.items {
			if it.sys == i && it.state != nil {
				final = it.state
			}
		}
		g := &gosnmp.GoSNMP{Target: ps.ip.String(), Port: uint16(agentPort), Community: "mivb-read", Version: gosnmp.Version2c,
			Timeout: 2 * time.Second, Retries: 1, Logger: gosnmp.NewLogger(nil)}
		require.NoError(t, g.Connect())
		res, err := g.Get([]string{oidSysName, oidSysDescr, oidSysObjectID, oidAlmLevel, oidAlmNbrCategories, oidLicences + ".2.0", oidSysUpTime})
		require.NoError(t, err)
		assert.Equal(t, ps.name, string(res.Variables[0].Value.([]byte)))
		assert.Equal(t, final.descr, string(res.Variables[1].Value.([]byte)))
		assert.Equal(t, "."+oidMitelIpera3000, res.Variables[2].Value)
		assert.Equal(t, final.almLevel, res.Variables[3].Value)
		assert.Equal(t, len(final.rows), res.Variables[4].Value)
		assert.Equal(t, final.lic[licIPUser].Used, res.Variables[5].Value)
		assert.Equal(t, gosnmp.TimeTicks, res.Variables[6].Type)
		names, err := g.BulkWalkAll(oidCategoryEntry + ".8")
		require.NoError(t, err)
		assert.Len(t, names, len(final.rows), "the category table has a row per category")
		g.Conn.Close()
	}

	// Each log stream hands its backlog to the first client.
	for _, ps := range p.systems {
		var lines []string
		for _, e := range want {
			if e.Transport == events.TransportLogstream && e.IP == ps.ip.String() {
				lines = append(lines, e.Text)
			}
		}
		require.NotEmpty(t, lines)
		c, err := net.Dial("tcp", net.JoinHostPort(ps.ip.String(), strconv.Itoa(lsPort)))
		require.NoError(t, err)
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		for i, wantLine := range lines {
			got, err := br.ReadString('\n')
			require.NoError(t, err, "line %d of %d from %s", i, len(lines), ps.name)
			got = strings.TrimSuffix(got, "\r\n")
			if strings.HasPrefix(wantLine, `"`) { // a malformed line, quoted
				wantLine, _ = strconv.Unquote(wantLine)
			}
			assert.Equal(t, wantLine, got)
		}
		c.Close()
	}

	cancel()
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
	require.NoError(t, r.err)
	// Every socket was released: the ports can be bound again.
	for _, ps := range p.systems {
		c, err := net.ListenPacket("udp", net.JoinHostPort(ps.ip.String(), strconv.Itoa(agentPort)))
		require.NoError(t, err, "agent socket released")
		c.Close()
		l, err := net.Listen("tcp", net.JoinHostPort(ps.ip.String(), strconv.Itoa(lsPort)))
		require.NoError(t, err, "log stream socket released")
		l.Close()
	}

	// The summary, the last progress report and the expectations agree
	// with the plan.
	sum := r.s
	assert.Equal(t, len(want), sum.Sent.Total())
	assert.Equal(t, len(want), sum.Sent.Logstream)
	last, _ := pl.last()
	assert.True(t, last.Done)
	assert.Equal(t, sum.Sent, last.Sent)
	assert.Equal(t, map[Level]int{LevelClear: 2, LevelMajor: 1}, last.Levels, "PBX-A cleared, PBX-C at Major")
	assert.Equal(t, "2021-03-11 00:00 | Clear 2 Major 1 | sent syslog 0 snmp 0 logstream "+strconv.Itoa(len(want))+
		" | malformed "+strconv.Itoa(sum.Malformed)+" | failed 0", last.String())
	for i, ps := range p.systems {
		assert.Equal(t, ps.name, sum.Systems[i].Name)
		assert.Equal(t, append([]LevelChange{ps.level}, changes(p)[ps.name]...), sum.Systems[i].Levels)
	}
	var written []Expectation
	dec := json.NewDecoder(&expBuf)
	for dec.More() {
		var e Expectation
		require.NoError(t, dec.Decode(&e))
		written = append(written, e)
	}
	assert.Equal(t, want, written, "WithExpectations writes what Expect returns")
	var text strings.Builder
	require.NoError(t, sum.WriteText(&text))
	assert.Contains(t, text.String(), "PBX-A ")
	assert.Contains(t, text.String(), "Warning 2021-03-01 -> Minor 2021-03-03 -> Major 2021-03-08 -> Clear 2021-03-09")
}

// TestRun_VirtualClockPacesTheRun plays a day at 8 days a second: it
// cannot end before an eighth of a second, and the progress reports show
// the virtual time moving forward.
func TestRun_VirtualClockPacesTheRun(t *testing.T) {
	sc := mustParse(t, `
start: 2021-01-01T00:00:00Z
duration: 1d
noise: {records_per_day: 200}
systems:
  - {name: PBX-V, release: 9.1}
`)
	u := newUDPReceiver(t)
	var pl progressLog
	begin := time.Now()
	sum, err := Run(context.Background(), sc, Targets{Syslog: []string{"udp://" + u.addr()}},
		WithSpeed(8*86400), WithProgress(pl.add, 10*time.Millisecond))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(begin), 125*time.Millisecond, "a virtual day takes an eighth of a second")
	assert.Positive(t, sum.Sent.Syslog)
	require.GreaterOrEqual(t, len(pl.all), 3)
	for i := 1; i < len(pl.all); i++ {
		assert.False(t, pl.all[i].Virtual.Before(pl.all[i-1].Virtual), "virtual time never goes back")
	}
	assert.Equal(t, time.Date(2021, 1, 2, 0, 0, 0, 0, time.UTC), pl.all[len(pl.all)-1].Virtual)
}

func TestRun_ReturnsWhenTheContextEnds(t *testing.T) {
	sc := mustParse(t, smallScenario)
	u := newUDPReceiver(t)
	ctx, cancel := context.WithCancel(context.Background())
	var pl progressLog
	done := make(chan Summary, 1)
	go func() {
		s, err := Run(ctx, sc, Targets{Syslog: []string{"udp://" + u.addr()}}, WithSpeed(1), WithProgress(pl.add, 5*time.Millisecond))
		assert.NoError(t, err)
		done <- s
	}()
	waitFor(t, "the run to start", func() bool { _, ok := pl.last(); return ok })
	cancel()
	select {
	case s := <-done:
		assert.Less(t, s.Sent.Syslog, 10, "at real speed, ten days were not played")
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}

func TestRun_RefusesBadInputBeforeSending(t *testing.T) {
	sc := mustParse(t, smallScenario)
	_, err := Run(context.Background(), sc, Targets{SNMPVersion: "4"})
	assert.ErrorContains(t, err, "snmp version")
	bad := sc
	bad.Systems = nil
	_, err = Run(context.Background(), bad, Targets{})
	assert.ErrorContains(t, err, "systems")
	_, err = Run(context.Background(), sc, Targets{}, WithBaseIP(netipMust("::1")))
	assert.ErrorContains(t, err, "not a unicast IPv4 address")
	// A port in use on a system's address fails the run at once.
	l, err := net.ListenPacket("udp", "127.0.0.3:0")
	require.NoError(t, err)
	defer l.Close()
	_, p, _ := net.SplitHostPort(l.LocalAddr().String())
	port, _ := strconv.Atoi(p)
	_, err = Run(context.Background(), sc, Targets{AgentPort: port}, WithInstant())
	assert.ErrorContains(t, err, "PBX-B")
}
