package emulator

import (
	"context"
	"log/slog"
	"net"
	"testing"
)

// BenchmarkPlan_Cert2020Fleet100 plans the cert-2020 scenario (26 days)
// for 100 systems: the simulation alone, no sockets.
func BenchmarkPlan_Cert2020Fleet100(b *testing.B) {
	sc, err := Load("cert-2020")
	if err != nil {
		b.Fatal(err)
	}
	c, err := compile(sc)
	if err != nil {
		b.Fatal(err)
	}
	o := newOptions([]Option{WithFleet(100)})
	var items int
	for b.Loop() {
		p, err := makePlan(c, o)
		if err != nil {
			b.Fatal(err)
		}
		items = len(p.items)
	}
	b.ReportMetric(float64(items), "messages/op")
}

func BenchmarkSyslogMessage(b *testing.B) {
	p := planOf(b, mustParse(b, smallScenario))
	var r *record
	for _, it := range p.items {
		if it.kind == itemRecord && it.rec.source == "LicenseMgr" {
			r = it.rec
			break
		}
	}
	for _, f := range []string{FormatRFC3164, FormatRFC5424} {
		b.Run(f, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = syslogMessage(f, "PBX-LON-01", r)
			}
		})
	}
}

// BenchmarkRun_InstantUDP plays the small scenario for 30 systems as fast
// as a UDP receiver that discards everything takes it.
func BenchmarkRun_InstantUDP(b *testing.B) {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	go func() {
		buf := make([]byte, 64<<10)
		for {
			if _, _, err := c.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	sc := mustParse(b, smallScenario)
	tg := Targets{Syslog: []string{"udp://" + c.LocalAddr().String()}}
	quiet := slog.New(slog.DiscardHandler)
	var sent int
	for b.Loop() {
		s, err := Run(context.Background(), sc, tg, WithInstant(), WithFleet(30), WithLogger(quiet))
		if err != nil {
			b.Fatal(err)
		}
		sent = s.Sent.Total()
	}
	b.ReportMetric(float64(sent), "messages/op")
	b.ReportMetric(float64(sent*b.N)/b.Elapsed().Seconds(), "messages/s")
}
