package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/internal/procnet"
	"github.com/pbxalarm/pbxalarm/ingest/publish"
	"github.com/pbxalarm/pbxalarm/ingest/snmp"
	"github.com/pbxalarm/pbxalarm/ingest/syslog"
	"github.com/pbxalarm/pbxalarm/internal/testnet"
	"github.com/pbxalarm/pbxalarm/tracker"
)

// metricsConfig is testConfig with the metrics endpoint on a free port.
func metricsConfig(t *testing.T) Config {
	cfg := testConfig(t)
	cfg.Metrics = "127.0.0.1:0"
	return cfg
}

// scrape is one parsed /metrics page.
type scrape map[string]*dto.MetricFamily

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func scrapeMetrics(t *testing.T, svc *Service) scrape {
	t.Helper()
	code, body := httpGet(t, "http://"+svc.Addrs().Metrics.String()+"/metrics")
	require.Equal(t, http.StatusOK, code, body)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	require.NoError(t, err, "the page must parse as the Prometheus text format")
	return fams
}

// sample finds the series of name with exactly the given label pairs.
func (s scrape) sample(name string, labels ...string) (*dto.Metric, bool) {
	f, ok := s[name]
	if !ok {
		return nil, false
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(want) {
			continue
		}
		for _, l := range m.GetLabel() {
			if v, ok := want[l.GetName()]; !ok || v != l.GetValue() {
				continue next
			}
		}
		return m, true
	}
	return nil, false
}

// value is a counter's or gauge's value; a missing series fails the test.
func (s scrape) value(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	m, ok := s.sample(name, labels...)
	require.True(t, ok, "no series %s%v", name, labels)
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	}
	t.Fatalf("%s%v is neither counter nor gauge", name, labels)
	return 0
}

// Syslog over UDP and TCP, a trap, and bad input of each kind: every
// counter moves by exactly what was sent, and the latency histogram holds
// one observation per stored event.
func TestMetrics_CountersMoveByWhatWasSent(t *testing.T) {
	cfg := snmpConfig(t)
	cfg.Metrics = "127.0.0.1:0"
	cfg.MaxFrameSize = 1024
	r := startService(t, cfg)
	a := r.svc.Addrs()
	require.NotNil(t, a.Metrics)
	c := collect(t, a.NATS, "PBX_EVENTS")

	before := scrapeMetrics(t, r.svc)
	for _, tr := range []string{"udp", "tcp", "tls", "snmp", "logstream"} {
		assert.Zero(t, before.value(t, "pbxalarm_received_total", "transport", tr), tr)
	}
	assert.Equal(t, 1.0, before.value(t, "pbxalarm_nats_connected"))

	udp, err := net.Dial("udp", a.SyslogUDP.String())
	require.NoError(t, err)
	defer udp.Close()
	for _, d := range [][]byte{
		[]byte("<12>Aug 21 09:14:02 hq MiVB: " + licenceMinor + " #udp"), // recognised
		[]byte("<14>Aug 21 09:14:02 hq app: plain 1"),
		[]byte("<14>Aug 21 09:14:02 hq app: plain 2"),
		[]byte("no syslog header at all"), // published raw, unparsed
		{},                                // rejected: empty
		bytes.Repeat([]byte("x"), 2000),   // rejected: oversize
	} {
		_, err := udp.Write(d)
		require.NoError(t, err)
	}
	tcp, err := net.Dial("tcp", a.SyslogTCP.String())
	require.NoError(t, err)
	_, err = fmt.Fprintf(tcp, "<12>Aug 21 09:14:02 hq MiVB: %s #tcp\n<14>Aug 21 09:14:02 hq app: plain 3\n", licenceMinor)
	require.NoError(t, err)
	require.NoError(t, tcp.Close())
	out, err := netSNMP(t, "snmptrap", append([]string{"-v", "2c", "-c", community, "udp:" + a.SNMP.String(), "", trap301},
		alarmVarbinds("MIVB-METRICS", "3")...)...)
	require.NoError(t, err, out)
	out, err = netSNMP(t, "snmptrap", append([]string{"-v", "2c", "-c", "not-" + community, "udp:" + a.SNMP.String(), "", trap301},
		alarmVarbinds("MIVB-METRICS", "3")...)...)
	require.NoError(t, err, out) // a trap is fire and forget: the sender cannot tell

	const published = 7 // 4 UDP, 2 TCP, 1 trap
	got := c.next(published)
	c.none(300 * time.Millisecond)
	recognised := 0
	for _, g := range got {
		if g.event.Data.Recognised {
			recognised++
		}
	}
	require.Equal(t, 3, recognised, "the two licence records and trap 301")

	var m scrape
	require.Eventually(t, func() bool {
		m = scrapeMetrics(t, r.svc)
		return m.value(t, "pbxalarm_published_total") == published &&
			m.value(t, "pbxalarm_snmp_datagrams_total") == 2 &&
			m.value(t, "pbxalarm_rejected_total", "input", "syslog", "reason", syslog.ReasonOversize) == 1
	}, 10*time.Second, 20*time.Millisecond, "counters never settled")

	want := map[string]float64{
		"pbxalarm_received_total/udp":       4,
		"pbxalarm_received_total/tcp":       2,
		"pbxalarm_received_total/tls":       0,
		"pbxalarm_received_total/snmp":      1,
		"pbxalarm_received_total/logstream": 0,
	}
	for k, v := range want {
		name, tr, _ := strings.Cut(k, "/")
		assert.Equal(t, v, m.value(t, name, "transport", tr), k)
	}
	assert.Equal(t, 6.0, m.value(t, "pbxalarm_parsed_total"), "all but the headerless datagram")
	assert.Equal(t, 1.0, m.value(t, "pbxalarm_syslog_unparsed_total"))
	assert.Equal(t, float64(recognised), m.value(t, "pbxalarm_recognised_total"))
	assert.Equal(t, float64(published), m.value(t, "pbxalarm_published_total"))
	assert.Zero(t, m.value(t, "pbxalarm_publish_retries_total"))
	assert.Zero(t, m.value(t, "pbxalarm_publish_duplicates_total"))
	assert.Zero(t, m.value(t, "pbxalarm_in_flight"))
	assert.Zero(t, m.value(t, "pbxalarm_invalid_events_total"))
	assert.Equal(t, 2.0, m.value(t, "pbxalarm_snmp_datagrams_total"), "the good trap and the bad one")

	// Every reason the inputs know has a series, sent ones at 1, others at 0.
	rejected := map[string]float64{
		"syslog/" + syslog.ReasonEmpty: 1, "syslog/" + syslog.ReasonOversize: 1,
		"snmp/" + snmp.ReasonBadCommunity: 1,
	}
	for input, reasons := range map[string][]string{"syslog": syslog.Reasons(), "snmp": snmp.Reasons(), "logstream": logstreamReasons} {
		for _, reason := range reasons {
			assert.Equal(t, rejected[input+"/"+reason], m.value(t, "pbxalarm_rejected_total", "input", input, "reason", reason),
				"rejected %s %s", input, reason)
		}
	}

	h, ok := m.sample("pbxalarm_publish_latency_seconds")
	require.True(t, ok)
	assert.Equal(t, uint64(published), h.GetHistogram().GetSampleCount(), "one observation per acknowledged event")
	assert.Positive(t, h.GetHistogram().GetSampleSum())

	for _, in := range []string{"syslog", "snmp"} {
		assert.Zero(t, m.value(t, "pbxalarm_udp_receive_drops_total", "input", in), "nothing dropped at this rate")
		_, ok := m.sample("pbxalarm_udp_receive_queue_bytes", "input", in)
		assert.True(t, ok, in)
	}
	assert.Equal(t, 1.0, m.value(t, "pbxalarm_nats_connected"))
	assert.Zero(t, m.value(t, "pbxalarm_nats_reconnects_total"))
	_, ok = m.sample("pbxalarm_spool_messages")
	assert.False(t, ok, "no spool, no spool metrics")
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		assert.Contains(t, m, name, "the Go and process collectors are registered")
	}
}

func TestHealth_HealthzAndReadyz(t *testing.T) {
	r := startService(t, metricsConfig(t))
	base := "http://" + r.svc.Addrs().Metrics.String()
	code, body := httpGet(t, base+"/healthz")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok\n", body)
	require.Eventually(t, func() bool {
		code, _ := httpGet(t, base+"/readyz")
		return code == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond)
	_, body = httpGet(t, base+"/readyz")
	assert.Equal(t, "ready\n", body)
	code, _ = httpGet(t, base+"/nothing-here")
	assert.Equal(t, http.StatusNotFound, code)
}

// Before Run serves the inputs the service is not ready.
func TestHealth_NotReadyBeforeRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, err := New(ctx, metricsConfig(t), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	err = svc.Ready()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "inputs not served yet")
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	require.Eventually(t, func() bool { return svc.Ready() == nil }, 10*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	_, err = net.Dial("tcp", svc.Addrs().Metrics.String())
	require.Error(t, err, "the metrics listener is closed once Run returns")
}

// externalNATS runs a NATS server apart from the service, on a fixed port
// so that it can be stopped and started again.
type externalNATS struct {
	t     *testing.T
	port  int
	store string
	srv   *publish.Embedded
}

func newExternalNATS(t *testing.T) *externalNATS {
	n := &externalNATS{t: t, port: testnet.FreePort(t, "tcp"), store: t.TempDir()}
	t.Cleanup(n.stop)
	return n
}

func (n *externalNATS) url() string { return "nats://127.0.0.1:" + strconv.Itoa(n.port) }

func (n *externalNATS) start() {
	n.t.Helper()
	srv, err := publish.StartEmbedded(context.Background(), publish.EmbeddedConfig{
		Port: n.port, StoreDir: n.store, ServerName: "external",
	}, slog.New(slog.DiscardHandler))
	require.NoError(n.t, err)
	n.srv = srv
}

func (n *externalNATS) stop() {
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv = nil
	}
}

func readyz(t *testing.T, svc *Service) (int, string) {
	return httpGet(t, "http://"+svc.Addrs().Metrics.String()+"/readyz")
}

// /readyz with an external NATS: while that NATS is down the service stays
// ready, because its spool accepts, and the metrics show the outage; during
// shutdown it says so while /metrics still shows the spool draining.
func TestHealth_ReadyzFollowsNATS(t *testing.T) {
	nats := newExternalNATS(t)
	nats.start()
	cfg := metricsConfig(t)
	cfg.NATSURL = nats.url()
	r := startService(t, cfg)
	svc := r.svc
	c := collect(t, nats.url(), "PBX_EVENTS") // waits for the stream
	require.Eventually(t, func() bool { code, _ := readyz(t, svc); return code == http.StatusOK },
		10*time.Second, 20*time.Millisecond)

	nats.stop()
	require.Eventually(t, func() bool { return scrapeMetrics(t, svc).value(t, "pbxalarm_nats_connected") == 0 },
		10*time.Second, 20*time.Millisecond)
	code, body := readyz(t, svc)
	assert.Equal(t, http.StatusOK, code, "the spool accepts, so the service is ready: %s", body)

	nats.start()
	require.Eventually(t, func() bool { return scrapeMetrics(t, svc).value(t, "pbxalarm_nats_connected") == 1 },
		30*time.Second, 50*time.Millisecond, "connected again once NATS is back")
	m := scrapeMetrics(t, svc)
	assert.Equal(t, 1.0, m.value(t, "pbxalarm_nats_reconnects_total"))

	// Shutdown with an event spooled while NATS is down: not ready, and
	// the event waits in the spool until it is forwarded.
	nats.stop()
	require.Eventually(t, func() bool { return scrapeMetrics(t, svc).value(t, "pbxalarm_nats_connected") == 0 },
		10*time.Second, 20*time.Millisecond)
	udp, err := net.Dial("udp", svc.Addrs().SyslogUDP.String())
	require.NoError(t, err)
	defer udp.Close()
	_, err = udp.Write([]byte("<14>Aug 21 09:14:02 hq app: sent while NATS is down"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return scrapeMetrics(t, svc).value(t, "pbxalarm_spool_messages") == 1 },
		10*time.Second, 20*time.Millisecond)
	r.stop()
	require.Eventually(t, func() bool {
		code, body := readyz(t, svc)
		return code == http.StatusServiceUnavailable && strings.Contains(body, "shutting down")
	}, 10*time.Second, 20*time.Millisecond)
	nats.start()
	select {
	case err := <-r.done:
		require.NoError(t, err, "the drain completes once NATS is back")
	case <-time.After(30 * time.Second):
		t.Fatal("service did not shut down")
	}
	r.stop = nil
	assert.Equal(t, "sent while NATS is down", c.next(1)[0].event.Data.Message)
}

// UDP loss is counted: with publishing stalled the reader stops, the
// socket's small buffer fills and the kernel drops the rest. Once NATS is
// up, every datagram is either on the stream or in the drop counter.
func TestMetrics_UDPDropsAccountForTheLoss(t *testing.T) {
	cfg := metricsConfig(t)
	cfg.StreamSetup = false // no stream yet: publishing stalls
	cfg.SyslogUDP = ":0"    // every address, as by default: the socket is [::] in /proc/net/udp6
	cfg.SyslogTCP = Off
	cfg.MaxInFlight = 1
	cfg.UDPReaders = 1
	cfg.UDPReadBuffer = 4096
	r := startService(t, cfg)
	svc := r.svc

	udp, err := net.Dial("udp", svc.Addrs().SyslogUDP.String())
	require.NoError(t, err)
	defer udp.Close()
	const sent = 300
	for i := range sent {
		_, err := fmt.Fprintf(udp, "<14>Aug 21 09:14:02 hq app: datagram %03d %s", i, strings.Repeat("p", 300))
		require.NoError(t, err)
	}
	m := scrapeMetrics(t, svc)
	drops := m.value(t, "pbxalarm_udp_receive_drops_total", "input", "syslog")
	require.Positive(t, drops, "a 4 KiB buffer cannot hold %d datagrams", sent)
	t.Logf("sent %d datagrams, the kernel dropped %.0f", sent, drops)
	assert.Positive(t, m.value(t, "pbxalarm_udp_receive_queue_bytes", "input", "syslog"), "what fitted waits")
	// The metric is the kernel's own count for the socket.
	socks, err := procnet.ReadUDP()
	require.NoError(t, err)
	var kernel uint64
	for _, s := range socks {
		if s.Bound(svc.Addrs().SyslogUDP.(*net.UDPAddr).AddrPort()) {
			kernel += s.Drops
		}
	}
	assert.Equal(t, uint64(drops), kernel)

	createStream(t, svc.Addrs().NATS)
	c := collect(t, svc.Addrs().NATS, "PBX_EVENTS")
	delivered := sent - int(drops)
	c.next(delivered)
	c.none(300 * time.Millisecond)
	m = scrapeMetrics(t, svc)
	assert.Equal(t, drops, m.value(t, "pbxalarm_udp_receive_drops_total", "input", "syslog"), "no more drops once read")
	assert.Equal(t, float64(delivered), m.value(t, "pbxalarm_received_total", "transport", "udp"))
	assert.Zero(t, m.value(t, "pbxalarm_udp_receive_queue_bytes", "input", "syslog"))
}

// With an external NATS that is down, the service stays ready while its
// spool accepts, the spool's figures are exported, and once the spool is
// full /readyz says so.
func TestHealth_ReadyWhileTheSpoolAccepts(t *testing.T) {
	nats := newExternalNATS(t) // never started
	cfg := metricsConfig(t)
	cfg.NATSURL = nats.url()
	cfg.SpoolMaxBytes = 1 << 20
	cfg.MaxInFlight = 64
	cfg.ShutdownTimeout = time.Second
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	defer func() {
		// NATS never came and the spool is full, so inputs are blocked
		// handing on lines: the shutdown deadline must still end Run, and
		// Run says what it gave up on.
		cancel()
		select {
		case err := <-done:
			assert.ErrorContains(t, err, "not acked")
		case <-time.After(30 * time.Second):
			t.Error("shutdown not bounded by shutdown-timeout while inputs were blocked")
		}
	}()
	conn, err := net.Dial("tcp", svc.Addrs().SyslogTCP.String())
	require.NoError(t, err)
	defer conn.Close()
	for i := range 10 {
		_, err := fmt.Fprintf(conn, "<13>Nov 25 10:00:00 host app: spooled %d\n", i)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		m := scrapeMetrics(t, svc)
		v, ok := m.sample("pbxalarm_spool_messages")
		return ok && v.GetGauge().GetValue() == 10
	}, 10*time.Second, 20*time.Millisecond, "ten lines spooled")
	m := scrapeMetrics(t, svc)
	assert.Zero(t, m.value(t, "pbxalarm_nats_connected"))
	assert.Equal(t, 10.0, m.value(t, "pbxalarm_spooled_total"))
	assert.Positive(t, m.value(t, "pbxalarm_spool_bytes"))
	assert.Zero(t, m.value(t, "pbxalarm_forwarded_total"))
	code, body := readyz(t, svc)
	assert.Equal(t, http.StatusOK, code, body)

	// Fill it: 2 KiB lines until the spool is within a frame of its bound.
	pad := strings.Repeat("x", 2048)
	go func() {
		for i := 0; i < 1000; i++ {
			if _, err := fmt.Fprintf(conn, "<13>Nov 25 10:00:00 host app: fill %d %s\n", i, pad); err != nil {
				return
			}
		}
	}()
	require.Eventually(t, func() bool { code, _ := readyz(t, svc); return code == http.StatusServiceUnavailable },
		20*time.Second, 50*time.Millisecond, "never unready although the spool fills")
	_, body = readyz(t, svc)
	assert.Contains(t, body, "NATS not connected")
	assert.Contains(t, body, "spool is full")
}

// The pipeline's cost per message with the latency histogram on: compare
// with BenchmarkPipeline_ParseRecogniseEncode (off).
func BenchmarkPipeline_WithLatencyHistogram(b *testing.B) {
	parser := syslog.NewParser()
	p := NewPipeline("pbx", nil, nil, nopPublisher{}, slog.New(slog.DiscardHandler))
	p.latency = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "x", Buckets: latencyBuckets})
	peer := netip.MustParseAddrPort("10.1.2.3:514")
	raw := []byte(benchLines["licence-rfc3164"])
	b.ReportAllocs()
	for b.Loop() {
		hdr, text := parser.Parse(raw, time.Now())
		m := syslog.Message{Transport: "udp", Peer: peer, ReceivedAt: time.Now(), Raw: raw, Header: hdr, Text: text}
		if err := p.HandleSyslog(context.Background(), &m); err != nil {
			b.Fatal(err)
		}
	}
}

// One scrape of a running service's /metrics, over HTTP, with the licence
// states of a fleet of 0 or 500 PBXs in the bucket (seven series each).
func BenchmarkMetrics_Scrape(b *testing.B) {
	for _, pbxs := range []int{0, 500} {
		b.Run(fmt.Sprintf("pbxs=%d", pbxs), func(b *testing.B) {
			cfg := Defaults()
			cfg.SyslogUDP, cfg.SyslogTCP, cfg.SNMPUDP, cfg.HTTP = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", Off
			cfg.Metrics, cfg.NATSListen, cfg.DataDir, cfg.Track = "127.0.0.1:0", "127.0.0.1:0", b.TempDir(), false
			ctx, cancel := context.WithCancel(context.Background())
			svc, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- svc.Run(ctx) }()
			defer func() { cancel(); <-done }()
			fillLicenceBucket(b, svc, pbxs)
			url := "http://" + svc.Addrs().Metrics.String() + "/metrics"
			b.ReportAllocs()
			for b.Loop() {
				resp, err := http.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

// fillLicenceBucket stores n systems at Major, each with a predicted
// escalation and System Lock, and waits until the service's view has them.
func fillLicenceBucket(b *testing.B, svc *Service, n int) {
	b.Helper()
	ctx := context.Background()
	kv, err := svc.js.CreateOrUpdateKeyValue(ctx, tracker.BucketConfig)
	if err != nil {
		b.Fatal(err)
	}
	first := time.Date(2020, 8, 21, 9, 0, 0, 0, time.UTC)
	next, lock := first.AddDate(0, 0, 13), first.AddDate(0, 0, 21)
	for i := range n {
		st := tracker.State{
			System: fmt.Sprintf("PBX-%04d", i), Level: events.SeverityMajor, Cause: events.CauseCertificateUpdate,
			FirstDetectedAt: &first, Day: 8, NextLevel: events.SeverityCritical, NextEscalationAt: &next, SystemLockAt: &lock,
		}
		v, err := json.Marshal(st)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := kv.Put(ctx, events.SystemToken(st.System), v); err != nil {
			b.Fatal(err)
		}
	}
	for deadline := time.Now().Add(time.Minute); ; {
		if bd := svc.board.Load(); bd != nil {
			if systems, ready := bd.Systems(); ready && len(systems) == n {
				return
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("the service's view never held the %d systems", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// createStream makes the events stream on the NATS at url.
func createStream(t *testing.T, url string) {
	t.Helper()
	nc, err := natsgo.Connect(url)
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "PBX_EVENTS", Subjects: []string{"pbx.>"}})
	require.NoError(t, err)
}

// Profiles are served on the metrics address only when asked for.
func TestMetrics_PprofOnlyWhenEnabled(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := metricsConfig(t)
		cfg.Pprof = on
		r := startService(t, cfg)
		code, body := httpGet(t, "http://"+r.svc.Addrs().Metrics.String()+"/debug/pprof/heap?debug=1")
		if on {
			assert.Equal(t, http.StatusOK, code)
			assert.Contains(t, body, "heap profile")
		} else {
			assert.Equal(t, http.StatusNotFound, code)
		}
		r.shutdown(t)
	}
}
