package snmp

import (
	"context"
	"log/slog"
	"net/netip"

	"github.com/pbxalarm/pbxalarm/events"
)

// Enricher reads back from a PBX what its alarm trap leaves out. [ReadBack]
// does it over SNMP; tests and other wiring may supply their own.
type Enricher interface {
	// Enrich reads from the agent at addr until ctx ends.
	Enrich(ctx context.Context, addr netip.Addr) (*Enrichment, error)
}

// Enrichment is what was read back.
type Enrichment struct {
	SysDescr   string
	Categories []events.Category
}

// Reasons a trap 301 is passed on without enrichment, as EnrichError says.
const (
	enrichNotConfigured = "read-back not configured"
	enrichBusy          = "read-back not attempted: too many in progress"
)

// enrich reads back for n and records the result in n.SNMP.
func (r *Receiver) enrich(ctx context.Context, n *Notification) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.enrichTimeout)
	defer cancel()
	e, err := r.cfg.enricher.Enrich(ctx, n.Peer.Addr())
	if err != nil {
		r.cfg.stats.enrichFailed.Add(1)
		n.SNMP.EnrichError = err.Error()
		r.rej.logLimited(slog.LevelWarn, "snmp: read-back failed", n.Peer, "err", err)
		return
	}
	r.cfg.stats.enriched.Add(1)
	n.SNMP.Enriched = true
	n.SNMP.SysDescr = e.SysDescr
	n.SNMP.Categories = e.Categories
}
