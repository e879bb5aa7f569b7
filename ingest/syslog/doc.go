// Package syslog receives syslog messages over UDP, TCP and TLS (RFC 5426,
// RFC 6587, RFC 5425), splits streams into frames and parses each frame's
// header as RFC 5424 or RFC 3164, best effort.
//
// Data flows socket -> frame -> parse -> [Handler]: a listener reads
// datagrams or stream frames, the [Parser] fills the header, and the
// handler receives one [Message] per frame. Nothing received is dropped
// silently: a frame whose header cannot be parsed is still delivered, with
// Format "none" and its raw bytes as text. Input that cannot be delivered at
// all (empty frames, oversize frames, TLS on the plain port, connections
// beyond the limit, senders not on the allow-list of [WithAllow], messages
// beyond a sender's rate set by [WithRateLimit]) is counted in [Stats] by
// reason and logged, rate limited, and the listener keeps running.
//
// The parsing itself is done by github.com/leodido/go-syslog/v4; this
// package owns the sockets, the framing, the detection of the format, the
// normalisation of RFC 3164 timestamps and the inference of their year.
package syslog
