package snmp

import "sync/atomic"

// Reasons for which a datagram is rejected, as counted by [Stats] and named
// in the log.
const (
	ReasonBadCommunity     = "bad_community"      // v1/v2c community not allowed for the sender
	ReasonAuthFailure      = "auth_failure"       // v3 wrong digest, wrong key, or a lower security level than the user's
	ReasonUnknownUser      = "unknown_user"       // v3 user name not configured
	ReasonUnknownEngine    = "unknown_engine"     // v3 user not configured for the engine ID in the message
	ReasonNotInTimeWindow  = "not_in_time_window" // v3 inform whose engine boots or time are not ours (a Report is sent)
	ReasonMalformed        = "malformed"          // not decodable as SNMP
	ReasonOversize         = "oversize"           // larger than the maximum message size
	ReasonNotANotification = "not_a_notification" // a valid PDU that is no trap or inform
	ReasonHandlerError     = "handler_error"      // the handler returned an error
	ReasonNotAllowed       = "not_allowed"        // sender not on the allow-list; dropped undecoded
	ReasonRateLimited      = "rate_limited"       // sender over its rate; dropped undecoded (an inform is not answered)
)

var reasons = [...]string{
	ReasonBadCommunity, ReasonAuthFailure, ReasonUnknownUser, ReasonUnknownEngine,
	ReasonNotInTimeWindow, ReasonMalformed, ReasonOversize, ReasonNotANotification,
	ReasonHandlerError, ReasonNotAllowed, ReasonRateLimited,
}

// Stats counts what the receiver received, accepted and rejected. The zero
// value is ready to use; share one between receivers with [WithStats]. All
// methods are safe for concurrent use.
type Stats struct {
	received      atomic.Uint64 // datagrams read
	traps         atomic.Uint64 // traps handed on
	informs       atomic.Uint64 // informs handed on
	answered      atomic.Uint64 // informs answered after their ack
	reports       atomic.Uint64 // v3 Report PDUs sent (discovery, time window)
	enriched      atomic.Uint64 // read-backs that succeeded
	enrichFailed  atomic.Uint64 // read-backs that failed, timed out or were not possible
	rejected      [len(reasons)]atomic.Uint64
	readErrors    atomic.Uint64 // socket read errors other than close
	sendErrors    atomic.Uint64 // responses or reports that could not be built or sent
	droppedReport atomic.Uint64 // reports not sent because of the rate limit
}

func (s *Stats) reject(reason string) {
	for i, r := range reasons {
		if r == reason {
			s.rejected[i].Add(1)
			return
		}
	}
}

// Rejected returns how many datagrams were rejected for reason (one of the
// Reason constants).
func (s *Stats) Rejected(reason string) uint64 {
	for i, r := range reasons {
		if r == reason {
			return s.rejected[i].Load()
		}
	}
	return 0
}

// Accepted returns how many notifications were handed to the handler.
func (s *Stats) Accepted() uint64 { return s.traps.Load() + s.informs.Load() }

// Snapshot returns every counter by name: received, traps, informs,
// informs_answered, reports_sent, reports_rate_limited, enriched,
// enrich_failed, read_errors, send_errors and rejected_<reason>.
func (s *Stats) Snapshot() map[string]uint64 {
	m := map[string]uint64{
		"received":             s.received.Load(),
		"traps":                s.traps.Load(),
		"informs":              s.informs.Load(),
		"informs_answered":     s.answered.Load(),
		"reports_sent":         s.reports.Load(),
		"reports_rate_limited": s.droppedReport.Load(),
		"enriched":             s.enriched.Load(),
		"enrich_failed":        s.enrichFailed.Load(),
		"read_errors":          s.readErrors.Load(),
		"send_errors":          s.sendErrors.Load(),
	}
	for i, r := range reasons {
		m["rejected_"+r] = s.rejected[i].Load()
	}
	return m
}

// Reasons returns every rejection reason [Stats] counts, in a fixed order.
func Reasons() []string { return append([]string(nil), reasons[:]...) }
