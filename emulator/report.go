package emulator

import (
	"context"
	"log/slog"
)

// logFailure logs the first failure to each destination as a warning
// and the rest at debug level: all are counted in the summary.
func (r *runner) logFailure(fs *fleetSystem, d destination, err error) {
	key := fs.ps.name + " " + d.target
	level := slog.LevelDebug
	if !r.warned[key] {
		r.warned[key] = true
		level = slog.LevelWarn
	}
	r.o.logger.Log(context.Background(), level, "emulator: send failed; further failures to this target are counted",
		"system", fs.ps.name, "transport", d.transport, "target", d.target, "err", err)
}

// record counts what an item did, for progress and the summary.
func (r *runner) record(it *item, sent, failed Counts, anySent bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if it.at.After(r.virtual) {
		r.virtual = it.at
	}
	s := &r.sum.Systems[it.sys]
	if it.state != nil {
		s.Release, s.Calls = it.state.release.String(), it.state.calls
	}
	addCounts(&s.Sent, sent)
	addCounts(&s.Failed, failed)
	addCounts(&r.sum.Sent, sent)
	addCounts(&r.sum.Failed, failed)
	if it.kind == itemMalformed && anySent {
		s.Malformed++
		r.sum.Malformed++
	}
	if it.level != nil {
		r.levels[it.sys] = it.level.Level
		s.Levels = append(s.Levels, *it.level)
	}
}

func addCounts(dst *Counts, c Counts) {
	dst.Syslog += c.Syslog
	dst.SNMP += c.SNMP
	dst.Logstream += c.Logstream
}

func (r *runner) progress(done bool) Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := Progress{Virtual: r.virtual, Levels: map[Level]int{}, Sent: r.sum.Sent, Failed: r.sum.Failed, Malformed: r.sum.Malformed, Done: done}
	if !r.o.instant && !done {
		// Between messages the clock runs on.
		p.Virtual = later(r.virtual, minTime(r.p.end, r.clk.now()))
	}
	for _, l := range r.levels {
		p.Levels[l]++
	}
	return p
}

func (r *runner) summary() Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sum
	s.End = r.virtual
	s.Systems = append([]SystemSummary(nil), r.sum.Systems...)
	return s
}
