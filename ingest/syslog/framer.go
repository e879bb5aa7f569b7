package syslog

import (
	"bytes"
	"errors"
	"io"
)

// Limits of RFC 6587 octet counting. A count above maxSkip is not believed:
// the frame is read as non-transparent instead, so its bytes are kept.
const (
	maxCountDigits = 10
	maxSkip        = 64 << 20
	initialBuffer  = 4 << 10
)

// frameError reports a frame that was read and dropped; the stream goes
// on, so the caller counts it and calls next again.
type frameError struct {
	reason string
	size   int64 // bytes dropped; for a non-transparent frame, at least this many
}

func (e *frameError) Error() string { return "syslog: frame rejected: " + e.reason }

// frame is one frame read from a stream.
type frame struct {
	data      []byte // valid until the next call to next
	framing   string
	truncated bool // the stream ended inside the frame
}

// framer splits a stream into syslog frames (RFC 6587). Each frame is
// either octet-counted ("LEN SP MSG") or non-transparent (MSG ended by LF
// or NUL); which one is decided per frame by its first bytes, so both may
// be mixed on one stream. A CR before the LF is part of the terminator.
// The buffer starts small and grows only up to the maximum frame size, so
// idle connections cost little and no size announced by a sender is ever
// allocated.
type framer struct {
	r          io.Reader
	buf        []byte
	start, end int // unread bytes are buf[start:end]
	err        error
	max        int
	limit      int // the largest the buffer grows
}

func newFramer(r io.Reader, maxFrame int) *framer {
	return &framer{r: r, max: maxFrame, limit: maxFrame + maxCountDigits + 2}
}

// fill reads more bytes, moving the unread ones to the front when the
// buffer's tail is full. It reports false once the reader has failed.
func (f *framer) fill() bool {
	if f.err != nil {
		return false
	}
	if f.start > 0 && (f.end == len(f.buf) || f.start == f.end) {
		f.end = copy(f.buf, f.buf[f.start:f.end])
		f.start = 0
	}
	if f.end == len(f.buf) {
		if len(f.buf) == f.limit {
			return true // full: the caller decides
		}
		buf := make([]byte, min(max(2*len(f.buf), initialBuffer), f.limit))
		f.end = copy(buf, f.buf[f.start:f.end])
		f.buf, f.start = buf, 0
	}
	for range 100 { // io.Reader may return 0, nil; do not spin for ever
		n, err := f.r.Read(f.buf[f.end:])
		f.end += n
		if err != nil {
			f.err = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	f.err = io.ErrNoProgress
	return false
}

// peek returns up to n unread bytes, reading until there are n or the
// reader fails.
func (f *framer) peek(n int) []byte {
	for f.end-f.start < n && f.fill() {
	}
	return f.buf[f.start:min(f.end, f.start+n)]
}

// next returns the next frame. A *frameError means a frame was dropped
// and next may be called again; any other error is the reader's (io.EOF
// at the end), returned once every complete and partial frame before it
// has been returned.
func (f *framer) next() (frame, error) {
	for f.start == f.end {
		if !f.fill() {
			return frame{}, f.err
		}
	}
	if n, ok := f.count(); ok {
		if n > f.max {
			return frame{}, f.discard(int64(n))
		}
		return f.counted(n), nil
	}
	return f.nonTransparent()
}

// count reads and consumes an RFC 6587 octet count and its space, where
// the unread bytes start with a plausible one.
func (f *framer) count() (int, bool) {
	if c := f.buf[f.start]; c < '1' || c > '9' {
		return 0, false
	}
	n := 0
	for k := 0; ; k++ {
		if f.start+k == f.end && !f.fill() {
			return 0, false // the stream ends inside the count
		}
		c := f.buf[f.start+k]
		if c == ' ' {
			if n > maxSkip {
				return 0, false
			}
			f.start += k + 1
			return n, true
		}
		if c < '0' || c > '9' || k >= maxCountDigits {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
}

// counted reads the n bytes of an octet-counted frame, or what is left of
// them when the stream ends first.
func (f *framer) counted(n int) frame {
	for f.end-f.start < n && f.fill() {
	}
	got := min(n, f.end-f.start)
	fr := frame{data: f.buf[f.start : f.start+got], framing: FramingOctetCounting, truncated: got < n}
	f.start += got
	return fr
}

// discard drops exactly n bytes (or up to the end of the stream).
func (f *framer) discard(n int64) error {
	left := n
	for left > 0 {
		if f.start == f.end && !f.fill() {
			break
		}
		k := min(left, int64(f.end-f.start))
		f.start += int(k)
		left -= k
	}
	return &frameError{reason: ReasonOversize, size: n}
}

// nonTransparent reads a frame ended by LF or NUL, or by the end of the
// stream.
func (f *framer) nonTransparent() (frame, error) {
	scanned := f.start
	for {
		if i := indexTerminator(f.buf[scanned:f.end]); i >= 0 {
			end := scanned + i
			fr := frame{data: f.buf[f.start:end], framing: FramingNUL}
			if f.buf[end] == '\n' {
				fr.framing = FramingLF
				fr.data = bytes.TrimSuffix(fr.data, []byte{'\r'})
			}
			f.start = end + 1
			if len(fr.data) > f.max {
				return frame{}, &frameError{reason: ReasonOversize, size: int64(len(fr.data))}
			}
			if len(fr.data) == 0 {
				return frame{}, &frameError{reason: ReasonEmpty}
			}
			return fr, nil
		}
		scanned = f.end
		if f.end-f.start > f.max+1 { // +1: room for the CR of a CR LF
			return frame{}, f.skipLine()
		}
		before := f.start
		if !f.fill() {
			// The stream ended without a terminator: what is left is
			// the last frame.
			fr := frame{data: f.buf[f.start:f.end], framing: FramingLF, truncated: true}
			f.start = f.end
			switch {
			case len(fr.data) == 0:
				return frame{}, f.err
			case len(fr.data) > f.max:
				return frame{}, &frameError{reason: ReasonOversize, size: int64(len(fr.data))}
			}
			return fr, nil
		}
		scanned -= before - f.start // fill may have moved the bytes
	}
}

// skipLine drops the oversize frame under way, up to and including its
// terminator.
func (f *framer) skipLine() error {
	n := int64(0)
	for {
		if i := indexTerminator(f.buf[f.start:f.end]); i >= 0 {
			n += int64(i)
			f.start += i + 1
			break
		}
		n += int64(f.end - f.start)
		f.start = f.end
		if !f.fill() {
			break
		}
	}
	return &frameError{reason: ReasonOversize, size: n}
}

// indexTerminator returns the index of the first LF or NUL in b, or -1.
func indexTerminator(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return bytes.IndexByte(b, 0)
	}
	if j := bytes.IndexByte(b[:i], 0); j >= 0 {
		return j
	}
	return i
}

// asFrameError reports whether err is a dropped frame (the stream goes on).
func asFrameError(err error) (*frameError, bool) {
	var fe *frameError
	ok := errors.As(err, &fe)
	return fe, ok
}
