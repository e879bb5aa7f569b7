package logstream

import (
	"bytes"
	"slices"
	"testing"
	"testing/iotest"
)

// FuzzReadLines checks the line reader against the simple definition of
// its output (split on LF, drop one CR before each LF, skip lines above
// the maximum), on any bytes and any maximum, reading the input all at
// once or one byte at a time.
func FuzzReadLines(f *testing.F) {
	f.Add([]byte("a\r\nb\nc"), uint16(64))
	f.Add([]byte("0123456789\nok\r\n\x00\xff\n"), uint16(8))
	f.Fuzz(func(t *testing.T, in []byte, max uint16) {
		limit := int(max%1024) + 1
		want := referenceLines(in, limit)
		if got := readAll(t, bytes.NewReader(in), limit); !slices.Equal(got, want) {
			t.Fatalf("whole read:\n got  %q\n want %q", got, want)
		}
		if got := readAll(t, iotest.OneByteReader(bytes.NewReader(in)), limit); !slices.Equal(got, want) {
			t.Fatalf("one byte at a time:\n got  %q\n want %q", got, want)
		}
	})
}
