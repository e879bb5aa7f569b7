package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pbxalarm/pbxalarm/emulator"
)

// progressView shows an emulator run: a bar redrawn in place on a
// terminal, one log line per update otherwise.
type progressView struct {
	w          io.Writer
	bar        bool
	start, end time.Time
	mu         sync.Mutex
	last       string
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newProgressView(mode string, w io.Writer, sc emulator.Scenario, c emulateConfig) (*progressView, error) {
	v := &progressView{w: w, start: sc.Start, end: sc.End}
	if t, _ := parseWhen("start", c.start); !t.IsZero() {
		v.start = t
	}
	if t, _ := parseWhen("end", c.end); !t.IsZero() {
		v.end = t
	}
	switch mode {
	case "off":
		return nil, nil
	case "auto":
		v.bar = isTerminal(w)
	case "bar":
		v.bar = true
	case "lines":
	default:
		return nil, fmt.Errorf("progress: %q is not auto, bar, lines or off", mode)
	}
	return v, nil
}

func (v *progressView) update(p emulator.Progress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.bar {
		fmt.Fprintf(v.w, "%s progress %s\n", time.Now().Format(time.TimeOnly), p)
		return
	}
	const width = 30
	frac := 0.0
	if total := v.end.Sub(v.start); total > 0 {
		frac = min(max(float64(p.Virtual.Sub(v.start))/float64(total), 0), 1)
	}
	if p.Done {
		frac = 1
	}
	filled := int(frac * width)
	line := fmt.Sprintf("[%s%s] %3.0f%% %s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), frac*100, p)
	pad := ""
	if n := len(v.last) - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprintf(v.w, "\r%s%s", line, pad)
	v.last = line
}

func (v *progressView) finish() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.bar && v.last != "" {
		fmt.Fprintln(v.w)
	}
}
