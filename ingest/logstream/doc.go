// Package logstream is pbxalarm's client for PBX log streams: it connects
// to the TCP port on which a MiVB controller streams its maintenance log
// (port 1751 on a 3300 ICP), reads the records line by line and hands each
// to a [Handler], reconnecting with backoff whenever a stream ends.
//
// Data flows socket -> line -> [Handler]: one goroutine per PBX address
// dials, reads lines ending in LF (a CR before the LF is dropped) and
// calls the handler for each. The handler may block; the client then stops
// reading, and TCP pushes back on the PBX. Bytes are kept as they came:
// NUL bytes and invalid UTF-8 reach the handler unchanged. A final line
// cut off by the end of the stream is still delivered.
//
// Nothing is dropped silently: lines above the maximum size are skipped
// without losing the connection, and they, empty lines, failed dials and
// handler errors are counted per address in [Stats] and logged, rate
// limited.
package logstream
