package publish

import (
	"container/heap"
	"time"

	"github.com/nats-io/nats.go"
)

// collect waits for each sent message's PubAck in publish order. JetStream
// acks one stream's messages in order, so waiting on the oldest costs
// nothing, and every attempt ends within the ack timeout.
func (p *Publisher) collect() {
	defer p.workers.Done()
	for {
		select {
		case m := <-p.sent:
			select {
			case ack := <-m.fut.Ok():
				if ack.Duplicate {
					p.duplicates.Add(1)
				}
				p.acked.Add(1)
				p.finish(m, nil)
			case err := <-m.fut.Err():
				p.failAttempt(m, err)
			case <-p.abort:
				p.sent <- m // room: it was just taken out
				return
			}
		case <-p.stop:
			return
		case <-p.abort:
			return
		}
	}
}

// retryLoop resends failed messages once their backoff has passed. While
// the connection is down it holds them: the client would only buffer more
// copies for the reconnect.
func (p *Publisher) retryLoop(connected chan nats.Status) {
	defer p.workers.Done()
	defer p.nc.RemoveStatusListener(connected)
	var q retryQueue
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		p.resendDue(&q)
		var wake <-chan time.Time
		if q.Len() > 0 {
			// While disconnected, look again now and then in case the
			// status change was missed.
			d := p.cfg.retryMax
			if p.nc.IsConnected() {
				d = time.Until(q[0].due)
			}
			timer.Reset(d)
			wake = timer.C
		}
		select {
		case m := <-p.failed:
			m.due = time.Now().Add(p.backoff(m.attempt))
			heap.Push(&q, m)
		case <-wake:
		case _, ok := <-connected:
			if !ok { // the listener was removed elsewhere: rely on the timer
				connected = nil
			}
		case <-p.stop:
			return
		case <-p.abort:
			for q.Len() > 0 {
				p.failed <- heap.Pop(&q).(*message) // room: at most MaxInFlight exist
			}
			return
		}
	}
}

func (p *Publisher) resendDue(q *retryQueue) {
	if !p.nc.IsConnected() {
		return
	}
	now := time.Now()
	for q.Len() > 0 && !q.peek().due.After(now) {
		m := heap.Pop(q).(*message)
		fut, err := p.js.PublishMsgAsync(m.msg)
		if err != nil {
			p.noteFailure(m, err)
			m.due = now.Add(p.backoff(m.attempt)) // after now: the loop ends
			heap.Push(q, m)
			continue
		}
		m.fut = fut
		p.sent <- m // room: at most MaxInFlight exist
	}
}

// backoff returns the pause before attempt number attempt+1: the initial
// wait doubled per failed attempt, capped.
func (p *Publisher) backoff(attempt int) time.Duration {
	d := p.cfg.retryInitial
	for i := 1; i < attempt && d < p.cfg.retryMax; i++ {
		d *= 2
	}
	return min(d, p.cfg.retryMax)
}

// retryQueue is a min-heap of messages by due time.
type retryQueue []*message

func (q retryQueue) Len() int           { return len(q) }
func (q retryQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q retryQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *retryQueue) Push(x any)        { *q = append(*q, x.(*message)) }
func (q retryQueue) peek() *message     { return q[0] }
func (q *retryQueue) Pop() any {
	old := *q
	m := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return m
}
