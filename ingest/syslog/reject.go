package syslog

import (
	"log/slog"
	"net/netip"
	"sync/atomic"

	"golang.org/x/time/rate"
)

// rejecter counts every rejection and logs it, at most a few lines a
// second so that a flood of bad input cannot flood the log; the next line
// logged says how many were left out.
type rejecter struct {
	stats      *Stats
	log        *slog.Logger
	limit      *rate.Limiter
	suppressed atomic.Uint64
}

func newRejecter(s *Stats, log *slog.Logger) *rejecter {
	return &rejecter{stats: s, log: log, limit: rate.NewLimiter(10, 20)}
}

// reject counts one rejection for reason and logs it with the sender.
//
// It logs first: whoever sees the count (a scrape, a test) can then find
// the log line too.
func (r *rejecter) reject(reason, transport string, peer netip.AddrPort, attrs ...any) {
	r.logLimited("syslog: input rejected", reason, transport, peer, attrs...)
	r.stats.reject(reason)
}

// logLimited logs a warning about one sender unless the rate is exceeded.
func (r *rejecter) logLimited(msg, reason, transport string, peer netip.AddrPort, attrs ...any) {
	if !r.limit.Allow() {
		r.suppressed.Add(1)
		return
	}
	attrs = append(attrs, "reason", reason, "transport", transport, "peer", peer.String())
	if n := r.suppressed.Swap(0); n > 0 {
		attrs = append(attrs, "suppressed", n)
	}
	r.log.Warn(msg, attrs...)
}
