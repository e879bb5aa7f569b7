package emulator

import (
	"context"
	"errors"

	"github.com/pbxalarm/pbxalarm/events"
)

// Run plays a scenario: each system of the fleet sends its records,
// traps and log-stream lines from its own address to t, at the virtual
// clock's pace (WithSpeed) or as fast as the receivers take them
// (WithInstant), and serves its SNMP agent and log stream if t asks. It
// returns at the scenario's end (after WithLinger) or when ctx ends,
// having closed every socket and stopped every goroutine, with a summary
// of what was sent. Messages that cannot be sent are counted as failed
// and the run goes on; Run fails only when the scenario, the targets or a
// listening socket is wrong.
func Run(ctx context.Context, sc Scenario, t Targets, opts ...Option) (Summary, error) {
	o := newOptions(opts)
	c, err := compile(sc)
	if err != nil {
		return Summary{}, err
	}
	t, st, err := t.checked()
	if err != nil {
		return Summary{}, err
	}
	p, err := makePlan(c, o)
	if err != nil {
		return Summary{}, err
	}
	r := newRunner(p, t, st, o)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := r.open(runCtx); err != nil {
		cancel()
		r.close()
		return Summary{}, err
	}
	o.logger.Info("emulator: fleet started", "scenario", c.name, "systems", len(p.systems),
		"virtual_start", p.start, "virtual_end", p.end, "speed", o.speed, "instant", o.instant,
		"syslog", t.Syslog, "snmp", t.SNMP, "snmp_version", t.SNMPVersion, "agent_port", t.AgentPort, "logstream_port", t.LogstreamPort)
	r.clk = newClock(p.start, o.speed) // virtual time starts now that every socket is open
	stopTicker := r.startTicker()
	if r.play(runCtx) {
		r.linger(runCtx)
	}
	cancel()
	stopTicker()
	r.close()
	if r.expect != nil {
		err = r.expect.err
	}
	sum := r.summary()
	o.logger.Info("emulator: run finished", "virtual_end", sum.End, "sent", sum.Sent.Total(),
		"failed", sum.Failed.Total(), "malformed", sum.Malformed)
	return sum, err
}

// play sends the plan in order, on the virtual clock unless instant; it
// reports whether it reached the end before ctx ended.
func (r *runner) play(ctx context.Context) bool {
	for i := range r.p.items {
		it := &r.p.items[i]
		if !r.o.instant && r.clk.waitUntil(ctx, it.at) != nil || ctx.Err() != nil {
			return false
		}
		r.playItem(ctx, i, it)
	}
	if !r.o.instant && r.clk.waitUntil(ctx, r.p.end) != nil {
		return false
	}
	r.mu.Lock()
	r.virtual = r.p.end
	r.mu.Unlock()
	return true
}

// playItem updates the system's agent and sends the item everywhere it
// goes.
func (r *runner) playItem(ctx context.Context, i int, it *item) {
	fs := r.systems[it.sys]
	r.mu.Lock()
	if it.state != nil && it.state != fs.snap {
		fs.snap, fs.boot = it.state, it.state.bootAt
		if fs.table != nil {
			if err := applySnapshot(fs.table, fs.ps.name, fs.snap); err != nil {
				r.o.logger.Error("emulator: agent table", "system", fs.ps.name, "err", err)
			}
		}
	}
	if fs.table != nil {
		_ = fs.table.Set(oidSysUpTime, uptimeTicks(it.at.Sub(fs.boot))) // cannot fail, as above
	}
	r.mu.Unlock()
	var sent, failed Counts
	var ok []destination
	var msg []byte // the syslog message, made once for every syslog target
	if it.kind == itemRecord && len(r.st) > 0 {
		msg = syslogMessage(r.t.SyslogFormat, fs.ps.name, it.rec)
	} else if it.kind == itemMalformed {
		msg = it.raw
	}
	for _, d := range destinations(it, fs.ps.ip.String(), r.t, r.st) {
		if err := r.send(ctx, fs, it, d, msg); err != nil {
			failed.add(d.transport, 1)
			r.logFailure(fs, d, err)
			continue
		}
		sent.add(d.transport, 1)
		ok = append(ok, d)
	}
	for _, d := range ok {
		r.expect.write(expectation(r.p, i, d))
	}
	r.record(it, sent, failed, len(ok) > 0)
}

// send sends an item to one destination; msg is its syslog message.
func (r *runner) send(ctx context.Context, fs *fleetSystem, it *item, d destination, msg []byte) error {
	switch d.transport {
	case events.TransportSyslog:
		c := fs.conns[d.syslog]
		return c.send(ctx, frame(c.t, msg))
	case events.TransportLogstream:
		if it.kind == itemRecord {
			fs.stream.Send(it.rec.line())
		} else {
			fs.stream.Send(string(it.raw))
		}
		return nil
	case events.TransportSNMP:
		return fs.trap.send(it.trap, it.at.Sub(fs.boot))
	}
	return errors.New("emulator: unknown transport " + string(d.transport))
}
