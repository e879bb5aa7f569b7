package ingest

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/ingest/syslog"
)

type nopPublisher struct{}

func (nopPublisher) Publish(_ context.Context, _, _ string, _ []byte, done func(error)) error {
	if done != nil {
		done(nil)
	}
	return nil
}

var benchLines = map[string]string{
	"licence-rfc3164": "<132>Aug 23 09:00:00 MIVB-HQ MiVB: " + licenceMinor,
	"info-rfc5424":    "<134>1 2020-08-21T10:00:00Z MIVB-HQ MiVB - MAINT - MAINT 004730 Info 2020/08/21 10:00:00 src=DBMgr mod=DB: Database backup completed",
	"other-rfc3164":   "<38>Mar 27 19:06:53 source_server sshd(pam_unix)[12750]: session opened for user foo by (uid=0)",
}

// Parse, recognise, build and encode one event: the CPU cost per message
// before NATS.
func BenchmarkPipeline_ParseRecogniseEncode(b *testing.B) {
	parser := syslog.NewParser()
	p := NewPipeline("pbx", nil, nil, nopPublisher{}, slog.New(slog.DiscardHandler))
	peer := netip.MustParseAddrPort("10.1.2.3:514")
	for name, line := range benchLines {
		raw := []byte(line)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				hdr, text := parser.Parse(raw, time.Now())
				m := syslog.Message{Transport: "udp", Peer: peer, ReceivedAt: time.Now(), Raw: raw, Header: hdr, Text: text}
				if err := p.HandleSyslog(context.Background(), &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The same, with systems: and timezones: of n PBXs each (one /32 per PBX,
// the sender the last to match): what the per-message lookups of a name
// and a zone cost as the tables grow.
func BenchmarkPipeline_SenderTables(b *testing.B) {
	raw := []byte(benchLines["other-rfc3164"]) // cheap to recognise, so the lookups show
	for _, n := range []int{0, 50, 500} {
		names, zones := map[string]string{}, map[string]string{}
		for i := range n {
			ip := fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256)
			names[ip], zones[ip] = fmt.Sprintf("PBX-%d", i), "America/New_York"
		}
		sn, err := NewSystemNames(names)
		require.NoError(b, err)
		z, err := NewZones(time.UTC, zones)
		require.NoError(b, err)
		p := NewPipeline("pbx", sn, z, nopPublisher{}, slog.New(slog.DiscardHandler))
		parser := syslog.NewParser(syslog.WithZones(p.Zone))
		peer := netip.MustParseAddrPort("10.200.0.1:514") // in no table: every entry is tried
		b.Run(fmt.Sprintf("pbxs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				hdr, text := parser.ParseFrom(raw, time.Now(), peer.Addr())
				m := syslog.Message{Transport: "udp", Peer: peer, ReceivedAt: time.Now(), Raw: raw, Header: hdr, Text: text}
				if err := p.HandleSyslog(context.Background(), &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchService(b *testing.B, tune ...func(*Config)) (*Service, jetstream.Stream, func()) {
	b.Helper()
	cfg := Defaults()
	cfg.SyslogUDP, cfg.SyslogTCP, cfg.SNMPUDP, cfg.HTTP = "127.0.0.1:0", "127.0.0.1:0", Off, Off
	cfg.Metrics = Off
	cfg.NATSListen = "127.0.0.1:0"
	cfg.DataDir = b.TempDir()
	cfg.UDPReadBuffer = 32 << 20
	cfg.Track = false
	for _, f := range tune {
		f(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	nc, err := nats.Connect(svc.Addrs().NATS)
	if err != nil {
		b.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	var st jetstream.Stream
	deadline := time.Now().Add(20 * time.Second)
	for st == nil {
		if st, err = js.Stream(ctx, "PBX_EVENTS"); err != nil {
			if time.Now().After(deadline) {
				b.Fatal("stream never appeared")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return svc, st, func() {
		nc.Close()
		cancel()
		<-done
	}
}

// waitStored waits until the stream holds n messages or nothing has moved
// for two seconds, and returns how many it holds.
func waitStored(b *testing.B, st jetstream.Stream, n uint64) uint64 {
	var last uint64
	lastMove := time.Now()
	for {
		info, err := st.Info(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		got := info.State.Msgs
		if got >= n {
			return got
		}
		if got != last {
			last, lastMove = got, time.Now()
		} else if time.Since(lastMove) > 2*time.Second {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// End to end over TCP: LF-framed lines from 4 connections into the
// embedded JetStream (file storage); the time runs until every message is
// stored.
func BenchmarkServe_TCPIngest(b *testing.B) {
	svc, st, stop := benchService(b)
	defer stop()
	const conns = 4
	b.ResetTimer()
	start := time.Now()
	cpu0 := processCPU(b)
	var wg sync.WaitGroup
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", svc.Addrs().SyslogTCP.String())
			if err != nil {
				b.Error(err)
				return
			}
			defer conn.Close()
			w := bufio.NewWriterSize(conn, 64<<10)
			for i := c; i < b.N; i += conns {
				fmt.Fprintf(w, "<134>Aug 21 10:00:00 MIVB-%d MiVB: MAINT %06d Info 2020/08/21 10:00:00 src=DBMgr mod=DB: backup %d\n", i%50, i%1000000, i)
			}
			w.Flush()
		}()
	}
	wg.Wait()
	got := waitStored(b, st, uint64(b.N))
	b.StopTimer()
	if got != uint64(b.N) {
		b.Fatalf("stored %d of %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	if cpu0 > 0 {
		b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
	}
	reportPeakRSS(b)
}

// reportPeakRSS reports the process's peak RSS where it is known.
func reportPeakRSS(b *testing.B) {
	if mib := peakRSSMiB(); mib > 0 {
		b.ReportMetric(mib, "peak-RSS-MiB")
	}
}

// End to end over UDP at a fixed offered rate (PBXALARM_BENCH_UDP_RATE,
// default 50,000/s): reports the share lost, which must be 0.
func BenchmarkServe_UDPIngest(b *testing.B) {
	rate := 50000
	if v, err := strconv.Atoi(os.Getenv("PBXALARM_BENCH_UDP_RATE")); err == nil && v > 0 {
		rate = v
	}
	svc, st, stop := benchService(b)
	defer stop()
	conn, err := net.Dial("udp", svc.Addrs().SyslogUDP.String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	packets := make([][]byte, b.N)
	for i := range packets {
		packets[i] = fmt.Appendf(nil, "<134>Aug 21 10:00:00 MIVB-%d MiVB: MAINT %06d Info 2020/08/21 10:00:00 src=DBMgr mod=DB: backup %d", i%50, i%1000000, i)
	}
	b.ResetTimer()
	cpu0 := processCPU(b)
	sendTime := offer(b, conn, packets, rate)
	got := waitStored(b, st, uint64(b.N))
	b.StopTimer()
	b.ReportMetric(float64(b.N)/sendTime.Seconds(), "offered/s")
	b.ReportMetric(float64(uint64(b.N)-got)/float64(b.N)*100, "%lost")
	if cpu0 > 0 {
		b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
	}
	reportPeakRSS(b)
}

// v2cTrap301 builds one v2c trap 301; reqID makes each one distinct.
func v2cTrap301(b *testing.B, reqID uint32) []byte {
	p := &gosnmp.SnmpPacket{
		Version: gosnmp.Version2c, Community: "public", PDUType: gosnmp.SNMPv2Trap, RequestID: reqID,
		Variables: []gosnmp.SnmpPDU{
			{Name: ".1.3.6.1.2.1.1.3.0", Type: gosnmp.TimeTicks, Value: uint32(reqID)},
			{Name: ".1.3.6.1.6.3.1.1.4.1.0", Type: gosnmp.ObjectIdentifier, Value: ".1.3.6.1.4.1.1027.1.2.3.0.301"},
			{Name: ".1.3.6.1.2.1.1.5.0", Type: gosnmp.OctetString, Value: fmt.Sprintf("MIVB-%d", reqID%50)},
			{Name: ".1.3.6.1.4.1.1027.4.1.1.2.2.1.0", Type: gosnmp.Integer, Value: 2 + int(reqID%3)},
			{Name: ".1.3.6.1.4.1.1027.4.1.1.2.2.3.0", Type: gosnmp.Integer, Value: 1},
		},
	}
	out, err := p.MarshalMsg()
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// End to end for SNMP: v2c traps 301 offered at a fixed rate
// (PBXALARM_BENCH_TRAP_RATE, default 20,000/s) into JetStream; reports the
// share lost.
func BenchmarkServe_SNMPv2cIngest(b *testing.B) {
	rate := 20000
	if v, err := strconv.Atoi(os.Getenv("PBXALARM_BENCH_TRAP_RATE")); err == nil && v > 0 {
		rate = v
	}
	packets := make([][]byte, b.N)
	for i := range packets {
		packets[i] = v2cTrap301(b, uint32(i+1))
	}
	svc, st, stop := benchService(b, func(c *Config) {
		c.SNMPUDP = "127.0.0.1:0"
		c.SNMPCommunities = []string{"public"}
	})
	defer stop()
	conn, err := net.Dial("udp", svc.Addrs().SNMP.String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	b.ResetTimer()
	cpu0 := processCPU(b)
	sendTime := offer(b, conn, packets, rate)
	got := waitStored(b, st, uint64(b.N))
	b.StopTimer()
	b.ReportMetric(float64(b.N)/sendTime.Seconds(), "offered/s")
	b.ReportMetric(float64(uint64(b.N)-got)/float64(b.N)*100, "%lost")
	if cpu0 > 0 {
		b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
	}
	reportPeakRSS(b)
}

// offer writes the datagrams at rate per second on average: every
// millisecond it sends what is due by then, so a late tick sends more
// rather than lowering the rate.
func offer(b *testing.B, conn net.Conn, packets [][]byte, rate int) time.Duration {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	start := time.Now()
	for i := 0; i < len(packets); <-t.C {
		due := min(len(packets), int(time.Since(start).Seconds()*float64(rate))+1)
		for ; i < due; i++ {
			if _, err := conn.Write(packets[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	return time.Since(start)
}
