package logstream

// lineQueue is a FIFO of lines that can drop its oldest line cheaply. Its
// storage grows with use, not with its limit, so a fleet of idle servers
// with large limits costs little.
type lineQueue struct {
	lines []string
	head  int // lines[:head] are gone
}

func (q *lineQueue) len() int { return len(q.lines) - q.head }

func (q *lineQueue) push(s string) { q.lines = append(q.lines, s) }

func (q *lineQueue) dropOldest() {
	q.lines[q.head] = ""
	q.head++
	if q.head > 1024 && q.head > len(q.lines)/2 {
		q.lines = append(q.lines[:0], q.lines[q.head:]...)
		clear(q.lines[len(q.lines):cap(q.lines)])
		q.head = 0
	}
}

// takeAll returns every line, oldest first, and empties the queue.
func (q *lineQueue) takeAll() []string {
	out := q.lines[q.head:]
	q.lines, q.head = nil, 0
	return out
}

// prepend puts lines before the ones queued, keeping at most limit lines
// in all by dropping the oldest, and returns how many it dropped.
func (q *lineQueue) prepend(lines []string, limit int) int {
	all := append(append(make([]string, 0, len(lines)+q.len()), lines...), q.lines[q.head:]...)
	dropped := max(len(all)-limit, 0)
	q.lines, q.head = all[dropped:], 0
	return dropped
}
