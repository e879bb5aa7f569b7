package loadgen

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"time"
)

// A token marks one message of one run: "pbxbench-RUN-SEQ-SENT" with RUN
// 8 hex digits, SEQ the 10-digit sequence number and SENT the send time in
// nanoseconds since the run's start, 15 digits. Fixed widths keep every
// message of a kind the same length; the characters need no escaping in
// syslog, SNMP octet strings or JSON, so the counter finds a token in an
// event's bytes as sent.
const (
	tokenPrefix = "pbxbench-"
	runLen      = 8
	seqLen      = 10
	sentLen     = 15
	tokenLen    = len(tokenPrefix) + runLen + 1 + seqLen + 1 + sentLen
)

// newRunID returns a random run id.
func newRunID() string {
	var b [runLen / 2]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// maxSent is the largest send time a token holds (11.5 days); runs are
// far shorter (Config.Validate).
const maxSent = 999999999999999

// appendToken appends the token of message seq sent at sent (since the run
// began).
func appendToken(b []byte, run string, seq int, sent time.Duration) []byte {
	b = append(b, tokenPrefix...)
	b = append(b, run...)
	b = append(b, '-')
	b = appendPadded(b, uint64(seq), seqLen)
	b = append(b, '-')
	return appendPadded(b, uint64(min(max(sent, 0), maxSent)), sentLen)
}

func appendPadded(b []byte, v uint64, width int) []byte {
	var digits [20]byte
	s := strconv.AppendUint(digits[:0], v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// tokenFinder finds the tokens of one run in event bytes.
type tokenFinder struct {
	marker []byte // tokenPrefix + run + "-"
}

func newTokenFinder(run string) tokenFinder {
	return tokenFinder{marker: []byte(tokenPrefix + run + "-")}
}

// find returns the sequence number and send time of the first token of the
// run in b. ok is false when b holds none.
func (f tokenFinder) find(b []byte) (seq int, sent time.Duration, ok bool) {
	i := bytes.Index(b, f.marker)
	if i < 0 {
		return 0, 0, false
	}
	rest := b[i+len(f.marker):]
	if len(rest) < seqLen+1+sentLen || rest[seqLen] != '-' {
		return 0, 0, false
	}
	s, ok1 := parseDigits(rest[:seqLen])
	t, ok2 := parseDigits(rest[seqLen+1 : seqLen+1+sentLen])
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	return int(s), time.Duration(t), true
}

func parseDigits(b []byte) (uint64, bool) {
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}
