package board

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

// benchBoard builds a board with n systems whose initial values are in.
func benchBoard(b *testing.B, n int) *Board {
	b.Helper()
	bd := New(&fakeBucket{}, WithLogger(quiet()), WithClientBuffer(1024))
	for i := range n {
		bd.apply(entry{key: fmt.Sprintf("mivb-%04d", i), rev: uint64(i + 1), value: benchValue(i, "minor")})
	}
	bd.initialDone()
	return bd
}

func benchValue(i int, level string) string {
	lock := d0.Add(time.Duration(i%40) * 24 * time.Hour).Format(time.RFC3339)
	return fmt.Sprintf(`{"system":"MIVB-%04d","level":%q,"cause":"certificate_update","first_detected_at":"2020-08-21T09:00:00Z","day":3,`+
		`"level_since":"2020-08-23T09:00:00Z","next_level":"major","next_escalation_at":"2020-08-28T09:00:00Z","system_lock_at":%q,`+
		`"release":"7.0 SP1 PR2","calls":"normal","sources":["syslog"],"updated_at":"2020-08-23T09:00:00Z"}`, i, level, lock)
}

// BenchmarkUpdate_500Systems_100Clients is one bucket change: decode,
// history, re-sort, one message marshalled and queued for 100 clients.
func BenchmarkUpdate_500Systems_100Clients(b *testing.B) {
	bd := benchBoard(b, 500)
	stop := make(chan struct{})
	defer close(stop)
	for range 100 {
		c, _ := bd.subscribe()
		go func() {
			for {
				select {
				case <-c.ch:
				case <-stop:
					return
				}
			}
		}()
	}
	levels := []string{"minor", "major", "critical"}
	b.ReportAllocs()
	rev := uint64(1000)
	for i := 0; b.Loop(); i++ {
		rev++
		bd.apply(entry{key: fmt.Sprintf("mivb-%04d", i%500), rev: rev, value: benchValue(i%500, levels[i%3])})
	}
	if d := bd.Stats().Dropped; d > 0 {
		b.Fatalf("%d clients dropped", d)
	}
}

// BenchmarkPage_500Systems renders the server-side page.
func BenchmarkPage_500Systems(b *testing.B) {
	bd := benchBoard(b, 500)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		bd.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
