package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/pbxalarm/pbxalarm/emulator/agent"
	"github.com/pbxalarm/pbxalarm/emulator/logstream"
)

// fleetSystem is one system while it runs.
type fleetSystem struct {
	ps     *planSystem
	table  *agent.Table
	stream *logstream.Server
	conns  []*syslogConn
	trap   *trapSender
	boot   time.Time
	snap   *snapshot
}

// runner plays a plan.
type runner struct {
	p       *plan
	t       Targets
	st      []syslogTarget
	o       *options
	systems []*fleetSystem
	wg      sync.WaitGroup
	expect  *expectWriter
	clk     *clock
	warned  map[string]bool // destinations whose first failure was logged

	mu      sync.Mutex // guards what follows, read by the progress reporter
	virtual time.Time
	levels  []Level
	sum     Summary
}

func newRunner(p *plan, t Targets, st []syslogTarget, o *options) *runner {
	r := &runner{p: p, t: t, st: st, o: o, virtual: p.start, clk: newClock(p.start, o.speed), warned: map[string]bool{}}
	r.sum = Summary{Start: p.start, End: p.end}
	for i := range p.systems {
		ps := &p.systems[i]
		r.systems = append(r.systems, &fleetSystem{ps: ps, snap: ps.initial, boot: ps.initial.bootAt})
		r.levels = append(r.levels, ps.level.Level)
		r.sum.Systems = append(r.sum.Systems, SystemSummary{
			Name: ps.name, IP: ps.ip.String(), Release: ps.initial.release.String(), Calls: ps.initial.calls, Levels: []LevelChange{ps.level},
		})
	}
	if o.expectW != nil {
		r.expect = &expectWriter{enc: json.NewEncoder(o.expectW)}
	}
	return r
}

// open binds every socket before anything is sent, so that a bad port or
// address fails the run at once.
func (r *runner) open(ctx context.Context) error {
	tc, err := tlsConfig(r.t, r.o)
	if err != nil {
		return err
	}
	agentStats := new(agent.Stats)
	for _, fs := range r.systems {
		ip := fs.ps.ip.String()
		for i := range r.st {
			fs.conns = append(fs.conns, &syslogConn{t: &r.st[i], local: fs.ps.ip, tlsConf: tc, dialTO: r.o.dialTimeout, writeTO: r.o.writeTimeout})
		}
		if r.t.AgentPort != 0 {
			fs.table = agent.NewTable()
			if err := applySnapshot(fs.table, fs.ps.name, fs.snap); err != nil {
				return fmt.Errorf("emulator: %s: agent table: %w", fs.ps.name, err)
			}
			_ = fs.table.Set(oidSysUpTime, uptimeTicks(r.p.start.Sub(fs.boot))) // a constant OID and a valid value: cannot fail
			a, err := agent.Listen(net.JoinHostPort(ip, strconv.Itoa(r.t.AgentPort)), fs.table,
				agent.WithCommunity(r.t.AgentCommunity), agent.WithLogger(r.o.logger), agent.WithStats(agentStats))
			if err != nil {
				return fmt.Errorf("emulator: %s: %w", fs.ps.name, err)
			}
			r.wg.Go(func() { _ = a.Serve(ctx) })
		}
		if r.t.LogstreamPort != 0 {
			s, err := logstream.Listen(net.JoinHostPort(ip, strconv.Itoa(r.t.LogstreamPort)), logstream.WithLogger(r.o.logger))
			if err != nil {
				return fmt.Errorf("emulator: %s: %w", fs.ps.name, err)
			}
			fs.stream = s
			r.wg.Go(func() { _ = s.Serve(ctx) })
		}
		if r.t.SNMP != "" {
			if fs.trap, err = newTrapSender(fs.ps.ip, r.t, r.o); err != nil {
				return fmt.Errorf("emulator: %s: %w", fs.ps.name, err)
			}
		}
	}
	return nil
}

// close stops the agents and streams (their context has ended) and
// closes every connection.
func (r *runner) close() {
	r.wg.Wait()
	for _, fs := range r.systems {
		for _, c := range fs.conns {
			c.drop()
		}
		if fs.trap != nil {
			fs.trap.close()
		}
	}
}

// linger keeps the agents and streams up after the last message.
func (r *runner) linger(ctx context.Context) {
	switch d := r.o.linger; {
	case d < 0:
		<-ctx.Done()
	case d > 0:
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
}
