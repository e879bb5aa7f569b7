// Package testlog collects log output in tests: a buffer that every
// goroutine of the code under test may write to at once, and that a test
// reads while they still run.
package testlog

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
)

// Buffer is a bytes.Buffer safe for concurrent use. The zero value is
// ready to use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Logger returns a text logger that writes records at level and above
// to b.
func (b *Buffer) Logger(level slog.Leveler) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: level}))
}

// Count returns how many lines written so far contain substr.
func (b *Buffer) Count(substr string) int {
	n := 0
	for l := range strings.SplitSeq(b.String(), "\n") {
		if strings.Contains(l, substr) {
			n++
		}
	}
	return n
}
