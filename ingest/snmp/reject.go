package snmp

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"sync/atomic"

	"golang.org/x/time/rate"
)

// rejection is why a datagram was not handed on.
type rejection struct {
	reason string
	err    error // detail for the log; never holds a community or key
}

func reject(reason string, err error) *rejection { return &rejection{reason: reason, err: err} }

func rejectf(reason, msg string) *rejection { return reject(reason, errors.New(msg)) }

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

// reject counts one rejection and logs it with the sender; it logs first,
// so that whoever sees the count can find the log line too.
func (r *rejecter) reject(rj *rejection, peer netip.AddrPort) {
	r.logLimited(slog.LevelWarn, "snmp: input rejected", peer, "reason", rj.reason, "err", rj.err)
	r.stats.reject(rj.reason)
}

// logLimited logs about one sender unless the rate is exceeded.
func (r *rejecter) logLimited(level slog.Level, msg string, peer netip.AddrPort, attrs ...any) {
	if !r.limit.Allow() {
		r.suppressed.Add(1)
		return
	}
	attrs = append(attrs, "peer", peer.String())
	if n := r.suppressed.Swap(0); n > 0 {
		attrs = append(attrs, "suppressed", n)
	}
	r.log.Log(context.Background(), level, msg, attrs...)
}
