package agent

import "sync/atomic"

// Stats counts what an agent received and answered. The zero value is
// ready to use; every field is safe for concurrent use.
type Stats struct {
	// Requests with the right community, by PDU type.
	Gets     atomic.Uint64
	GetNexts atomic.Uint64
	GetBulks atomic.Uint64
	Sets     atomic.Uint64 // refused: the agent is read-only

	Responses atomic.Uint64 // responses sent (including error responses)
	TooBig    atomic.Uint64 // requests answered with tooBig

	Malformed    atomic.Uint64 // datagrams that did not decode as SNMP
	BadCommunity atomic.Uint64 // requests with another community: not answered
	BadVersion   atomic.Uint64 // SNMPv3 or unknown versions: not answered
	BadPDU       atomic.Uint64 // PDUs an agent does not answer (traps, responses, v1 GETBULK)
	Unanswered   atomic.Uint64 // requests whose answer could not be encoded or sent
}

// Snapshot returns every counter by name.
func (s *Stats) Snapshot() map[string]uint64 {
	return map[string]uint64{
		"get":           s.Gets.Load(),
		"getnext":       s.GetNexts.Load(),
		"getbulk":       s.GetBulks.Load(),
		"set":           s.Sets.Load(),
		"responses":     s.Responses.Load(),
		"too_big":       s.TooBig.Load(),
		"malformed":     s.Malformed.Load(),
		"bad_community": s.BadCommunity.Load(),
		"bad_version":   s.BadVersion.Load(),
		"bad_pdu":       s.BadPDU.Load(),
		"unanswered":    s.Unanswered.Load(),
	}
}
