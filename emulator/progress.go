package emulator

import "time"

// startTicker runs, on its own goroutine, the progress reports and the
// agents' sysUpTime, which moves with the virtual clock between messages;
// the returned function stops it and sends the final report.
func (r *runner) startTicker() (stop func()) {
	fn := r.o.progress
	if fn == nil && r.t.AgentPort == 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(r.o.every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				p := r.progress(false)
				r.tickUptime(p.Virtual)
				if fn != nil {
					fn(p)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		if fn != nil {
			fn(r.progress(true))
		}
	}
}

// tickUptime sets every agent's sysUpTime for the virtual time now.
func (r *runner) tickUptime(now time.Time) {
	if r.t.AgentPort == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, fs := range r.systems {
		if fs.table != nil {
			_ = fs.table.Set(oidSysUpTime, uptimeTicks(now.Sub(fs.boot))) // a constant OID and a valid value: cannot fail
		}
	}
}
