// Package board provides the NOC web board: an http.Handler that shows the
// licence state of every PBX from the JetStream key-value bucket the
// tracker keeps (one JSON value per system), live.
//
// Run follows the bucket's watch and keeps the fleet, and a short history
// of each system's levels, in memory. The handler serves the page (the
// fleet table rendered on the server, so it reads without JavaScript), the
// fleet as JSON (GET /api/fleet), server-sent events (GET /events: a full
// snapshot on connect, then one message per change, and heartbeats) and a
// health check (GET /healthz). The page's HTML, CSS and JavaScript are
// embedded; it loads nothing from elsewhere. docs/BOARD.md describes the
// endpoints and the message format.
package board
