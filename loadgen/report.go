package loadgen

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Report is the outcome of one run. Counts are messages; rates are
// messages a second; latencies are milliseconds.
type Report struct {
	Run         string  `json:"run"` // the run id in every token
	Proto       Proto   `json:"proto"`
	Target      string  `json:"target"`
	Stream      string  `json:"stream"`
	Connections int     `json:"connections"`
	Rate        float64 `json:"rate"`  // the rate asked for; 0: as fast as possible
	Count       int     `json:"count"` // the messages asked for

	// Sent were written to the network without error. SendErrors could not
	// be; FirstError says why. Sending stops at Count or the duration
	// limit, whichever comes first.
	Sent        int     `json:"sent"`
	SendErrors  int     `json:"send_errors"`
	FirstError  string  `json:"first_error,omitempty"`
	SendSeconds float64 `json:"send_seconds"` // from the first message to the last (informs: to the last answer)
	SendRate    float64 `json:"send_rate"`    // Sent / SendSeconds

	// Received is how many distinct sent messages arrived in the stream,
	// Lost how many did not (Sent - Received), Duplicates how many arrived
	// more than once (counting each extra copy).
	Received    int     `json:"received"`
	Lost        int     `json:"lost"`
	LostPercent float64 `json:"lost_percent"`
	Duplicates  int     `json:"duplicates"`
	// ArrivedUnsent arrived although writing them failed (a stream write
	// that failed part way).
	ArrivedUnsent int `json:"arrived_unsent"`
	// Foreign events arrived in the stream during the run without one of
	// its tokens: other senders' events, or the tracker's.
	Foreign int `json:"foreign"`
	// Invalid events failed events.Unmarshal (decode and Validate); only
	// every ValidateEvery-th event is checked.
	Invalid      int    `json:"invalid"`
	FirstInvalid string `json:"first_invalid,omitempty"`
	// ArriveSeconds runs from the first message sent to the last new one
	// arriving; ArriveRate is Received / ArriveSeconds.
	ArriveSeconds float64 `json:"arrive_seconds"`
	ArriveRate    float64 `json:"arrive_rate"`
	// Latency runs from the send time in each token to the event's arrival
	// at this tool's consumer: end to end, so an upper bound of pbxalarm's
	// receipt-to-PubAck time.
	Latency Latency `json:"latency_ms"`

	Informs *InformReport `json:"informs,omitempty"`

	// TimedOut says the wait for arrivals ended at its deadline with
	// messages missing; Interrupted that the run was cancelled.
	TimedOut    bool `json:"timed_out"`
	Interrupted bool `json:"interrupted"`
}

// Latency holds percentiles in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// InformReport counts the answers to informs.
type InformReport struct {
	Answered   int `json:"answered"`
	Unanswered int `json:"unanswered"` // given up after every retry
	Retries    int `json:"retries"`    // resends
	Reports    int `json:"reports"`    // SNMPv3 Reports received
}

// percentiles sorts d and returns its percentiles.
func percentiles(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	slices.Sort(d)
	at := func(p float64) float64 {
		i := int(p*float64(len(d))+0.5) - 1 // nearest rank
		return ms(d[min(max(i, 0), len(d)-1)])
	}
	return Latency{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: ms(d[len(d)-1])}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func rate(n int, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return float64(n) / secs
}

// WriteText writes the report for a person.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	offered := "as fast as possible"
	if r.Rate > 0 {
		offered = fmt.Sprintf("at %.0f/s", r.Rate)
	}
	fmt.Fprintf(&b, "pbxalarm bench: %s to %s, %d connection(s), %s, run %s\n", r.Proto, r.Target, r.Connections, offered, r.Run)
	fmt.Fprintf(&b, "  sent        %d of %d in %.3fs (%.0f/s)", r.Sent, r.Count, r.SendSeconds, r.SendRate)
	if r.SendErrors > 0 {
		fmt.Fprintf(&b, ", %d send errors (first: %s)", r.SendErrors, r.FirstError)
	} else if r.FirstError != "" {
		fmt.Fprintf(&b, " (note: %s)", r.FirstError)
	}
	b.WriteByte('\n')
	if r.Informs != nil {
		fmt.Fprintf(&b, "  informs     %d answered, %d unanswered, %d resent, %d reports\n",
			r.Informs.Answered, r.Informs.Unanswered, r.Informs.Retries, r.Informs.Reports)
	}
	fmt.Fprintf(&b, "  arrived     %d in stream %s within %.3fs of the first send (%.0f/s)\n", r.Received, r.Stream, r.ArriveSeconds, r.ArriveRate)
	fmt.Fprintf(&b, "  lost        %d (%.3f%%)\n", r.Lost, r.LostPercent)
	fmt.Fprintf(&b, "  duplicates  %d\n", r.Duplicates)
	if r.ArrivedUnsent > 0 {
		fmt.Fprintf(&b, "  arrived although the write failed: %d\n", r.ArrivedUnsent)
	}
	if r.Foreign > 0 {
		fmt.Fprintf(&b, "  other events in the stream meanwhile: %d\n", r.Foreign)
	}
	if r.Invalid > 0 {
		fmt.Fprintf(&b, "  INVALID     %d events (first: %s)\n", r.Invalid, r.FirstInvalid)
	}
	l := r.Latency
	fmt.Fprintf(&b, "  latency     p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (send to arrival at this consumer)\n", l.P50, l.P90, l.P99, l.Max)
	switch {
	case r.Interrupted:
		b.WriteString("  interrupted: the figures cover what happened until then\n")
	case r.TimedOut:
		b.WriteString("  the wait for arrivals ended at its deadline (--wait) with messages missing\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
