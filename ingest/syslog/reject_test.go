package syslog

import (
	"net/netip"
	"testing"
)

func TestRejecter_CountsEveryRejectionButRateLimitsTheLog(t *testing.T) {
	log, logs := newTestLogger()
	stats := new(Stats)
	r := newRejecter(stats, log)
	peer := netip.MustParseAddrPort("192.0.2.7:514")
	const n = 5000
	for range n {
		r.reject(ReasonOversize, TransportUDP, peer)
	}
	if got := stats.Rejected(ReasonOversize); got != n {
		t.Errorf("counted %d rejections, want %d", got, n)
	}
	lines := logs.Count("syslog: input rejected")
	if lines == 0 || lines >= n/10 {
		t.Errorf("%d log lines for %d rejections; want a few", lines, n)
	}
	if logs.Count("peer=192.0.2.7:514") != lines {
		t.Errorf("log lines do not all name the sender:\n%s", logs)
	}
}

func TestStats_SnapshotNamesEveryCounter(t *testing.T) {
	s := new(Stats)
	s.reject(ReasonTLSOnPlainPort)
	s.received[transportIndex(TransportTLS)].Add(2)
	snap := s.Snapshot()
	for _, r := range reasons {
		if _, ok := snap["rejected_"+r]; !ok {
			t.Errorf("snapshot lacks rejected_%s", r)
		}
	}
	if snap["rejected_tls_on_plain_port"] != 1 || snap["received_tls"] != 2 || s.Received(TransportTLS) != 2 {
		t.Errorf("snapshot = %v", snap)
	}
}
