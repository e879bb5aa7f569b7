package logstream

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// Stats counts what the client read, per configured address. The zero
// value is ready to use; share one between clients with [WithStats]. All
// methods are safe for concurrent use.
type Stats struct {
	mu    sync.Mutex
	peers map[string]*peerCounters
}

type peerCounters struct {
	lines, bytes, oversize, empty, unterminated, handlerErrors atomic.Uint64
	connects, reconnects, dialErrors                           atomic.Uint64
	connected                                                  atomic.Bool
}

// PeerStats is a snapshot of one address's counters.
type PeerStats struct {
	Addr          string
	Lines         uint64 // lines handed to the handler
	Bytes         uint64 // their bytes, without line ends
	Oversize      uint64 // lines above the maximum size, skipped
	Empty         uint64 // empty lines, skipped
	Unterminated  uint64 // final lines the stream ended inside of (delivered)
	HandlerErrors uint64 // lines the handler returned an error for
	Connects      uint64 // connections made
	Reconnects    uint64 // of those, after the first
	DialErrors    uint64 // connection attempts that failed
	Connected     bool   // connected now
}

// peer returns the counters of addr, creating them.
func (s *Stats) peer(addr string) *peerCounters {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.peers == nil {
		s.peers = map[string]*peerCounters{}
	}
	p, ok := s.peers[addr]
	if !ok {
		p = new(peerCounters)
		s.peers[addr] = p
	}
	return p
}

// Peer returns the counters of one configured address.
func (s *Stats) Peer(addr string) PeerStats {
	return s.peer(addr).snapshot(addr)
}

// Peers returns the counters of every address, sorted by address.
func (s *Stats) Peers() []PeerStats {
	s.mu.Lock()
	addrs := slices.Sorted(maps.Keys(s.peers))
	s.mu.Unlock()
	out := make([]PeerStats, len(addrs))
	for i, a := range addrs {
		out[i] = s.Peer(a)
	}
	return out
}

// Snapshot returns the counters summed over every address, by name:
// lines, bytes, oversize, empty, unterminated, handler_errors, connects,
// reconnects, dial_errors and connected (addresses connected now).
func (s *Stats) Snapshot() map[string]uint64 {
	m := map[string]uint64{
		"lines": 0, "bytes": 0, "oversize": 0, "empty": 0, "unterminated": 0,
		"handler_errors": 0, "connects": 0, "reconnects": 0, "dial_errors": 0, "connected": 0,
	}
	for _, p := range s.Peers() {
		m["lines"] += p.Lines
		m["bytes"] += p.Bytes
		m["oversize"] += p.Oversize
		m["empty"] += p.Empty
		m["unterminated"] += p.Unterminated
		m["handler_errors"] += p.HandlerErrors
		m["connects"] += p.Connects
		m["reconnects"] += p.Reconnects
		m["dial_errors"] += p.DialErrors
		if p.Connected {
			m["connected"]++
		}
	}
	return m
}

func (p *peerCounters) snapshot(addr string) PeerStats {
	return PeerStats{
		Addr:          addr,
		Lines:         p.lines.Load(),
		Bytes:         p.bytes.Load(),
		Oversize:      p.oversize.Load(),
		Empty:         p.empty.Load(),
		Unterminated:  p.unterminated.Load(),
		HandlerErrors: p.handlerErrors.Load(),
		Connects:      p.connects.Load(),
		Reconnects:    p.reconnects.Load(),
		DialErrors:    p.dialErrors.Load(),
		Connected:     p.connected.Load(),
	}
}
