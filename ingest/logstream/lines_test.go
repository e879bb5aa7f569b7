package logstream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readAll runs a lineReader to the end and describes what it returned:
// each line quoted, "<oversize>" for a skipped line, and a trailing
// "(unterminated)" for a final line without LF.
func readAll(t testing.TB, r io.Reader, max int) []string {
	t.Helper()
	lr := newLineReader(r, max)
	var out []string
	for range 1 << 20 {
		line, terminated, err := lr.next()
		switch {
		case errors.Is(err, errOversize):
			out = append(out, "<oversize>")
			continue
		case errors.Is(err, io.EOF):
			return out
		case err != nil:
			t.Fatalf("read error: %v", err)
		}
		s := fmt.Sprintf("%q", line)
		if !terminated {
			s += " (unterminated)"
		}
		out = append(out, s)
	}
	t.Fatal("reader does not end")
	return nil
}

func TestLineReader(t *testing.T) {
	long := strings.Repeat("z", 100)
	cases := []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"crlf and lf", "a\r\nb\nc\r\n", 64, []string{`"a"`, `"b"`, `"c"`}},
		{"final line without terminator", "a\nlast", 64, []string{`"a"`, `"last" (unterminated)`}},
		{"lone cr kept", "a\rb\n", 64, []string{`"a\rb"`}},
		{"only the cr before lf dropped", "a\r\r\n", 64, []string{`"a\r"`}},
		{"cr at end of stream kept", "abc\r", 64, []string{`"abc\r" (unterminated)`}},
		{"nul and invalid utf-8 kept", "x\x00y\xff\xfe\n", 64, []string{`"x\x00y\xff\xfe"`}},
		{"empty lines", "\n\r\n\n", 64, []string{`""`, `""`, `""`}},
		{"empty input", "", 64, nil},
		{"exactly max with crlf", "01234567\r\n", 8, []string{`"01234567"`}},
		{"one above max with lf", "012345678\nok\n", 8, []string{"<oversize>", `"ok"`}},
		{"oversize then lines", long + "\r\nnext\r\nthird\n", 16, []string{"<oversize>", `"next"`, `"third"`}},
		{"oversize between lines", "a\n" + long + "\nb\n", 16, []string{`"a"`, "<oversize>", `"b"`}},
		{"oversize at end of stream", "a\n" + long, 16, []string{`"a"`, "<oversize>"}},
		{"two oversize in a row", long + "\n" + long + "\nc\n", 16, []string{"<oversize>", "<oversize>", `"c"`}},
	}
	readers := map[string]func(string) io.Reader{
		"whole":    func(s string) io.Reader { return strings.NewReader(s) },
		"one byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"data+eof": func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) },
	}
	for _, c := range cases {
		for rname, mk := range readers {
			t.Run(c.name+"/"+rname, func(t *testing.T) {
				assert.Equal(t, c.want, readAll(t, mk(c.in), c.max))
			})
		}
	}
}

func TestLineReader_ReportsReadErrorAfterFinalLine(t *testing.T) {
	boom := errors.New("connection reset")
	lr := newLineReader(io.MultiReader(strings.NewReader("a\npartial"), iotest.ErrReader(boom)), 64)
	line, terminated, err := lr.next()
	require.NoError(t, err)
	assert.True(t, terminated)
	assert.Equal(t, "a", string(line))
	line, terminated, err = lr.next()
	require.NoError(t, err)
	assert.False(t, terminated)
	assert.Equal(t, "partial", string(line))
	_, _, err = lr.next()
	assert.ErrorIs(t, err, boom)
	_, _, err = lr.next()
	assert.ErrorIs(t, err, boom, "the error stays")
}

// referenceLines is what the line reader must return, computed the simple
// way: split on LF, drop one CR before each LF.
func referenceLines(in []byte, max int) []string {
	parts := bytes.Split(in, []byte("\n"))
	var out []string
	for i, p := range parts {
		last := i == len(parts)-1
		if last && len(p) == 0 {
			break
		}
		if !last {
			p = bytes.TrimSuffix(p, []byte("\r"))
		}
		switch {
		case len(p) > max:
			out = append(out, "<oversize>")
		case last:
			out = append(out, fmt.Sprintf("%q (unterminated)", p))
		default:
			out = append(out, fmt.Sprintf("%q", p))
		}
	}
	return out
}
