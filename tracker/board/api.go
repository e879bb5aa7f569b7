package board

import (
	"encoding/json"
	"net/http"
)

// fleetResponse is the body of GET /api/fleet: the same as the event
// stream's snapshot.
type fleetResponse = snapshotMessage

// serveFleet answers GET /api/fleet with the systems in display order.
func (b *Board) serveFleet(w http.ResponseWriter, _ *http.Request) {
	b.mu.Lock()
	body := fleetResponse{Clock: b.fleet.clock(b.cfg.now()), Systems: b.fleet.sorted()}
	b.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// health is the body of GET /healthz.
type health struct {
	Status  string `json:"status"` // ok, starting, watch_failed, stopped
	Error   string `json:"error,omitempty"`
	Systems int    `json:"systems"`
	Clients int    `json:"clients"`
}

// serveHealth answers 200 while the board follows the bucket, else 503.
func (b *Board) serveHealth(w http.ResponseWriter, _ *http.Request) {
	b.mu.Lock()
	h := health{Status: "ok", Systems: len(b.fleet.systems), Clients: len(b.clients)}
	switch {
	case b.stopped:
		h.Status = "stopped"
	case b.watchErr != "":
		h.Status, h.Error = "watch_failed", b.watchErr
	case !b.ready:
		h.Status = "starting"
	}
	b.mu.Unlock()
	code := http.StatusOK
	if h.Status != "ok" {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, h)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away: nothing to do
}
