package board

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"time"
)

//go:embed assets
var assets embed.FS

//go:embed templates/board.html
var templates embed.FS

var pageTemplate = template.Must(template.New("board.html").Funcs(template.FuncMap{
	"rfc":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"when": func(t time.Time) string { return t.UTC().Format(timeLayout) },
}).ParseFS(templates, "templates/board.html"))

// csp allows the page only its own assets and its own event stream.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// pageData is what the template renders: the same fleet the first
// snapshot sends, with countdowns and timelines laid out on the server so
// that the page reads without JavaScript.
type pageData struct {
	Title       string
	Clock       Clock
	ClockNote   string
	HeartbeatMS int64
	Rows        []row
	Counts      []levelCount
	Levels      []LevelInfo
}

type row struct {
	*System
	NextIn, LockIn string
	Bars           []bar
	NowX           float64
	Caption        []captionItem
}

type levelCount struct {
	LevelInfo
	N int
}

type captionItem struct {
	Label, Level, Date string
	Projected          bool
}

func (b *Board) servePage(w http.ResponseWriter, _ *http.Request) {
	b.mu.Lock()
	clock := b.fleet.clock(b.cfg.now())
	systems := b.fleet.sorted()
	b.mu.Unlock()

	d := pageData{Title: b.cfg.title, Clock: clock, ClockNote: clockNote(clock), HeartbeatMS: b.cfg.heartbeat.Milliseconds(), Levels: Levels}
	counts := map[string]int{}
	for _, s := range systems {
		counts[s.Level]++
		r := row{System: s, NextIn: countdown(clock.Now, s.NextEscalationAt), LockIn: countdown(clock.Now, s.SystemLockAt)}
		r.Bars, r.NowX = layout(s.Timeline, clock.Now)
		r.Caption = caption(s.Timeline)
		d.Rows = append(d.Rows, r)
	}
	for _, l := range Levels {
		if n := counts[l.Level]; n > 0 {
			d.Counts = append(d.Counts, levelCount{l, n})
		}
	}
	var others []string // levels the board does not know, and "unknown"
	for l := range counts {
		if levelRank(l) < 0 {
			others = append(others, l)
		}
	}
	slices.Sort(others)
	for _, l := range others {
		d.Counts = append(d.Counts, levelCount{levelInfo(l), counts[l]})
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, d); err != nil {
		b.cfg.logger.Error("board: render page", "err", err)
		http.Error(w, "board: render page failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes()) // the client went away: nothing to do
}

// clockNote says, in fleet mode, how far the fleet's clock is from wall
// time; the page's script writes the same (board.js, clockNote).
func clockNote(c Clock) string {
	if c.Mode != "fleet" {
		return ""
	}
	d := c.ServerTime.Sub(c.Now)
	dir := "behind"
	if d < 0 {
		d, dir = -d, "ahead of"
	}
	return "fleet times are " + farSpan(d) + " " + dir + " wall time; countdowns follow the fleet"
}

// farSpan writes a long offset in years, a shorter one as span does.
func farSpan(d time.Duration) string {
	const year = 365.25 * 24 * float64(time.Hour)
	if float64(d) >= year {
		return fmt.Sprintf("%.1f years", float64(d)/year)
	}
	return span(d)
}

// caption lists the timeline's steps in words under the bar.
func caption(steps []Step) []captionItem {
	out := make([]captionItem, 0, len(steps))
	for _, s := range steps {
		label := levelInfo(s.Level).Label
		if s.Level == "unobserved" {
			label = "Detected"
		}
		out = append(out, captionItem{Label: label, Level: s.Level, Date: s.At.UTC().Format("02 Jan"), Projected: s.Projected})
	}
	return out
}

// assetHandler serves the embedded CSS and script under /assets/.
func assetHandler() http.Handler {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix("/assets/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
