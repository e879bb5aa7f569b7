// Package logstream serves a virtual PBX's maintenance log as a TCP line
// stream, the way a MiVB controller streams its maintenance log to any
// client that connects to TCP port 1751: each log record is one line
// ending in CR LF, sent to every connected client.
//
// The emulator calls [Server.Send] for each record. Lines sent while no
// client is connected wait in a bounded backlog and go, in order, to the
// next client that connects, so a run started before the ingester
// connects loses nothing. Each client has its own writer and a bounded
// queue, so a slow client never blocks Send nor the other clients: when
// its queue is full, further lines are dropped for that client only and
// counted in [Stats] (SlowDropped); the client stays connected. When the
// last client disconnects, the lines still queued for it go back to the
// front of the backlog for the next client. Everything dropped is
// counted, and Stats also says how much is still waiting, so a test can
// wait until the stream has drained.
package logstream
