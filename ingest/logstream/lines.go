package logstream

import (
	"bufio"
	"errors"
	"io"
)

// errOversize reports a line longer than the maximum, skipped whole.
var errOversize = errors.New("line above the maximum size")

// lineReader splits a byte stream into lines ending in LF, dropping the LF
// and a CR just before it. Lines longer than max bytes (without the CR LF)
// are read to their end and skipped. A final line without LF is returned
// before the error that ended the stream.
type lineReader struct {
	r   *bufio.Reader
	max int
	err error // the error to return next, after a final unterminated line
}

func newLineReader(r io.Reader, max int) *lineReader {
	// Room for the longest line and its CR LF, so that it fits whole.
	return &lineReader{r: bufio.NewReaderSize(r, max+2), max: max}
}

// next returns the next line, valid until the following call; or
// errOversize once an over-long line has been skipped; or the error that
// ended the stream (io.EOF at a clean end). terminated is false for a
// final line the stream ended inside of.
func (lr *lineReader) next() (line []byte, terminated bool, err error) {
	if lr.err != nil {
		return nil, false, lr.err
	}
	line, err = lr.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = lr.r.ReadSlice('\n')
		}
		lr.err = err
		return nil, false, errOversize
	}
	if err != nil {
		lr.err = err
		if len(line) == 0 {
			return nil, false, err
		}
	} else {
		line = line[:len(line)-1]
		terminated = true
	}
	if terminated && len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if len(line) > lr.max {
		return nil, false, errOversize
	}
	return line, terminated, nil
}
