package main

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/pbxalarm/pbxalarm/ingest"
)

// systemd tells the service manager how serve is doing when it runs as a
// Type=notify unit (NOTIFY_SOCKET set); elsewhere it does nothing.
type systemd struct {
	log     *slog.Logger
	enabled bool
}

func newSystemd(log *slog.Logger) *systemd {
	return &systemd{log: log, enabled: os.Getenv("NOTIFY_SOCKET") != ""}
}

// notify sends states (READY=1, STATUS=..., ...) in one message. A failure
// is logged: systemd then sees no readiness and says so itself.
func (sd *systemd) notify(states ...string) {
	if !sd.enabled {
		return
	}
	if _, err := daemon.SdNotify(false, strings.Join(states, "\n")); err != nil {
		sd.log.Warn("systemd notify", "state", states[0], "err", err)
	}
}

// statusEvery is how often the STATUS line shown by systemctl status is
// brought up to date with readiness.
const statusEvery = 5 * time.Second

// run sends READY=1 once svc serves; then, until ctx ends, WATCHDOG=1 at
// half the unit's WatchdogSec (when it sets one) and a STATUS line when
// readiness changes; STOPPING=1 when shutdown begins. The watchdog says
// the process is alive and scheduled: a NATS that cannot be reached shows
// in STATUS and on /readyz, not by a restart, which would not bring it back.
func (sd *systemd) run(ctx context.Context, svc *ingest.Service) {
	if !sd.enabled {
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-svc.Serving():
	}
	status := readiness(svc)
	sd.notify(daemon.SdNotifyReady, "STATUS="+status)
	var watchdog <-chan time.Time
	if interval, err := daemon.SdWatchdogEnabled(false); err != nil {
		sd.log.Warn("systemd watchdog settings", "err", err)
	} else if interval > 0 {
		t := time.NewTicker(interval / 2)
		defer t.Stop()
		watchdog = t.C
	}
	check := time.NewTicker(statusEvery)
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			sd.notify(daemon.SdNotifyStopping, "STATUS=shutting down: publishing what is in flight")
			return
		case <-watchdog:
			sd.notify(daemon.SdNotifyWatchdog)
		case <-check.C:
			if now := readiness(svc); now != status {
				status = now
				sd.notify("STATUS=" + status)
			}
		}
	}
}

// reloading and reloaded frame a reload (systemd 253 and later show it).
func (sd *systemd) reloading() {
	sd.notify(daemon.SdNotifyReloading, daemon.SdNotifyMonotonicUsec())
}

func (sd *systemd) reloaded(err error) {
	if err != nil {
		sd.notify(daemon.SdNotifyReady, "STATUS=reload failed, running as before: "+err.Error())
		return
	}
	sd.notify(daemon.SdNotifyReady)
}

func readiness(svc *ingest.Service) string {
	if err := svc.Ready(); err != nil {
		return "not ready: " + err.Error()
	}
	return "ready"
}
