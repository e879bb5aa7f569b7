package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/internal/procnet"
	"github.com/pbxalarm/pbxalarm/ingest/snmp"
	"github.com/pbxalarm/pbxalarm/ingest/syslog"
	"github.com/pbxalarm/pbxalarm/licence"
)

// metricsServer serves /metrics, /healthz and /readyz on the --metrics
// address. It listens from New on, and is the last thing Run stops, so the
// drain at shutdown can be watched.
type metricsServer struct {
	ln      net.Listener
	srv     *http.Server
	reg     *prometheus.Registry
	latency prometheus.Histogram
}

// latencyBuckets span a healthy publish (well under 10 ms) to a NATS
// outage that the publisher rides out by retrying. They are finer around
// 10 ms, the p99 that receipt to PubAck should stay under at 10,000
// messages a second, so that a quantile near it can be told from one
// over it.
var latencyBuckets = []float64{
	0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
}

func listenMetrics(addr string, s *Service) (*metricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	m := &metricsServer{ln: ln, reg: prometheus.NewRegistry()}
	m.latency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "pbxalarm_publish_latency_seconds",
		Help:    "Time from receipt of a message to JetStream's acknowledgement of its event.",
		Buckets: latencyBuckets,
	})
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.latency,
		&serviceCollector{s: s},
	)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:          slogPrinter{s},
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
		Registry:          m.reg, // counts its own errors as promhttp_metric_handler_errors_total
	}))
	mux.HandleFunc("GET /healthz", s.serveHealthz)
	mux.HandleFunc("GET /readyz", s.serveReadyz)
	if s.cfg.Pprof {
		// Off by default: profiles reveal internals and cost CPU while taken.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return m, nil
}

// Addr is where the metrics server listens.
func (m *metricsServer) Addr() net.Addr { return m.ln.Addr() }

// serve runs the server until shutdown; it returns nil once shut down.
func (m *metricsServer) serve() error {
	if err := m.srv.Serve(m.ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

func (m *metricsServer) shutdown(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := m.srv.Shutdown(ctx)
	m.ln.Close() // in case Serve had not started: Shutdown closes only listeners in use
	if err != nil {
		return fmt.Errorf("metrics: shutdown: %w", err)
	}
	return nil
}

// slogPrinter is promhttp's error log.
type slogPrinter struct{ s *Service }

func (p slogPrinter) Println(v ...any) { p.s.log.Error("metrics: " + fmt.Sprint(v...)) }

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

// The service's own metrics, read from the inputs' and the publisher's
// counters at scrape time.
var (
	descReceived = desc("pbxalarm_received_total",
		"Messages the inputs accepted and handed to the pipeline: syslog frames, SNMP traps and informs, log-stream lines.", "transport")
	descParsed = desc("pbxalarm_parsed_total",
		"Messages whose envelope decoded: a syslog header, an SNMP PDU; log-stream lines have none and all count.")
	descRecognised = desc("pbxalarm_recognised_total",
		"Messages recognised as MiVB records or traps (the rest are published as pbx.log).")
	descPublished = desc("pbxalarm_published_total",
		"Events JetStream acknowledged (PubAck), duplicates included.")
	descRetries = desc("pbxalarm_publish_retries_total",
		"Publish attempts that failed or timed out and were sent again with the same Nats-Msg-Id.")
	descDuplicates = desc("pbxalarm_publish_duplicates_total",
		"PubAcks flagged duplicate: the stream already held the event id.")
	descAbandoned = desc("pbxalarm_publish_abandoned_total",
		"Events given up at shutdown because the deadline passed before their PubAck.")
	descInvalid = desc("pbxalarm_invalid_events_total",
		"Events that failed validation and were published as plain pbx.log (a bug; logged).")
	descInFlight = desc("pbxalarm_in_flight",
		"Events handed to the publisher and not yet acknowledged by JetStream.")
	descRejected = desc("pbxalarm_rejected_total",
		"Input rejected, by input (syslog, snmp, logstream) and reason.", "input", "reason")
	descReadErrors = desc("pbxalarm_read_errors_total",
		"Socket read errors other than close and timeout.", "input")
	descUnparsed = desc("pbxalarm_syslog_unparsed_total",
		"Syslog messages with no parsable header, published raw.")
	descTruncated = desc("pbxalarm_syslog_truncated_total",
		"Syslog stream frames the connection ended inside of, delivered as they were.")
	descConnsOpen = desc("pbxalarm_syslog_connections",
		"Syslog TCP and TLS connections open now.")
	descConnsAccepted = desc("pbxalarm_syslog_connections_accepted_total",
		"Syslog TCP and TLS connections accepted.")
	descConnsIdle = desc("pbxalarm_syslog_connections_idle_closed_total",
		"Syslog TCP and TLS connections closed for idleness.")
	descSNMPDatagrams = desc("pbxalarm_snmp_datagrams_total",
		"Datagrams read on the SNMP socket, before any check.")
	descInformsAnswered = desc("pbxalarm_snmp_informs_answered_total",
		"Informs answered once their event was stored.")
	descReports = desc("pbxalarm_snmp_reports_total",
		"SNMPv3 Report PDUs (engine discovery, time window): sent, or not sent because of their rate limit.", "result")
	descEnrich = desc("pbxalarm_snmp_readbacks_total",
		"Read-backs of the PBX's alarm table after an alarm trap, by result (ok, failed).", "result")
	descSendErrors = desc("pbxalarm_snmp_send_errors_total",
		"Responses or reports that could not be built or sent.")
	descStreamLines = desc("pbxalarm_logstream_lines_total",
		"Log-stream lines handed to the pipeline, by configured PBX address.", "peer")
	descStreamConnected = desc("pbxalarm_logstream_connected",
		"1 while the log stream of a PBX is connected, else 0.", "peer")
	descStreamReconnects = desc("pbxalarm_logstream_reconnects_total",
		"Log-stream connections made after the first, by PBX address.", "peer")
	descStreamDialErrors = desc("pbxalarm_logstream_dial_errors_total",
		"Failed log-stream connection attempts, by PBX address.", "peer")
	descUDPDrops = desc("pbxalarm_udp_receive_drops_total",
		"Datagrams the kernel dropped on an input's UDP socket (receive buffer full), from /proc/net/udp and udp6.", "input")
	descUDPQueue = desc("pbxalarm_udp_receive_queue_bytes",
		"Bytes waiting in an input's UDP socket receive queue, from /proc/net/udp and udp6.", "input")
	descNATSConnected = desc("pbxalarm_nats_connected",
		"1 while the NATS connection is up, else 0.")
	descNATSReconnects = desc("pbxalarm_nats_reconnects_total",
		"Times the NATS connection was re-established.")
	descSpooled = desc("pbxalarm_spooled_total",
		"Messages written to the durable spool.")
	descSpoolMessages = desc("pbxalarm_spool_messages",
		"Messages held in the durable spool now.")
	descSpoolBytes = desc("pbxalarm_spool_bytes",
		"Bytes held in the durable spool now.")
	descForwarded = desc("pbxalarm_forwarded_total",
		"Messages moved from the spool to the external NATS stream (its PubAck received).")
	descStoreWritable = desc("pbxalarm_store_writable",
		"1 while the local JetStream store (events: the embedded NATS; spool) can store messages, 0 after a write error such as a full disk, or at its size limit.", "store")
	descStoreReopens = desc("pbxalarm_store_reopens_total",
		"Times the local JetStream store was reopened after a write error or at a limit the server chose, to use room made on the disk.", "store")
	descReloads = desc("pbxalarm_reloads_total",
		"Reloads asked for (SIGHUP), by result (ok, failed: the configuration or the TLS files did not load and the running configuration stayed).", "result")
	descTLSCertExpiry = desc("pbxalarm_syslog_tls_cert_expiry_timestamp_seconds",
		"When the syslog TLS certificate in use expires, as a Unix time (present only with syslog TLS).")

	// Each PBX's licence state, as the tracker keeps it in the pbx_licence
	// bucket, so that alerts can be written in the operator's own stack.
	descLicenceView = desc("pbxalarm_licence_view_ready",
		"1 once the licence states below follow the pbx_licence bucket (its initial values are in), else 0.")
	descLicenceLevel = desc("pbxalarm_licence_level",
		"Licence-violation level of a PBX: 0 Clear, 1 Warning, 2 Minor, 3 Major, 4 Critical, 5 System Lock (absent while unknown).", "system")
	descLicenceDay = desc("pbxalarm_licence_violation_day",
		"Day of the licence violation (1 on the day it was first detected; 0 when none).", "system")
	descLicenceNext = desc("pbxalarm_licence_next_escalation_timestamp_seconds",
		"When the violation escalates to its next level, as a Unix time in the PBX's event time (present while predicted).", "system")
	descLicenceLock = desc("pbxalarm_licence_system_lock_timestamp_seconds",
		"When the PBX reaches System Lock (emergency calls only), as a Unix time in the PBX's event time (present while predicted).", "system")
	descLicenceStale = desc("pbxalarm_licence_stale",
		"1 when a PBX in violation has been quiet for longer than its reminder interval, so its state may be out of date.", "system")
	descLicenceUncertain = desc("pbxalarm_licence_level_uncertain",
		"1 when the level rests on a trap, which cannot tell Warning from Clear or System Lock from Critical.", "system")
)

// logstreamReasons are the rejections a log-stream client counts.
var logstreamReasons = []string{"empty", "oversize", "handler_error"}

// serviceCollector reads the service's counters at scrape time, so
// counting costs the inputs nothing beyond the atomics they keep anyway.
type serviceCollector struct {
	s       *Service
	procErr sync.Once // a /proc read failure is logged once
}

func (c *serviceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		descReceived, descParsed, descRecognised, descPublished, descRetries, descDuplicates,
		descAbandoned, descInvalid, descInFlight, descRejected, descReadErrors, descUnparsed,
		descTruncated, descConnsOpen, descConnsAccepted, descConnsIdle, descSNMPDatagrams,
		descInformsAnswered, descReports, descEnrich, descSendErrors, descStreamLines,
		descStreamConnected, descStreamReconnects, descStreamDialErrors, descUDPDrops, descUDPQueue,
		descNATSConnected, descNATSReconnects, descSpooled, descSpoolMessages, descSpoolBytes, descForwarded,
		descStoreWritable, descStoreReopens, descReloads, descTLSCertExpiry,
		descLicenceView, descLicenceLevel, descLicenceDay, descLicenceNext, descLicenceLock,
		descLicenceStale, descLicenceUncertain,
	} {
		ch <- d
	}
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v uint64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (c *serviceCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	p := s.pipeline.Stats()
	sy := s.syslogStats.Snapshot()
	sn := s.snmpStats.Snapshot()
	peers := s.streamStats.Peers()

	for _, t := range []string{syslog.TransportUDP, syslog.TransportTCP, syslog.TransportTLS} {
		counter(ch, descReceived, s.syslogStats.Received(t), t)
	}
	counter(ch, descReceived, s.snmpStats.Accepted(), "snmp")
	var lines uint64
	for _, ps := range peers {
		lines += ps.Lines
	}
	counter(ch, descReceived, lines, "logstream")

	counter(ch, descParsed, p.Parsed.Load())
	counter(ch, descRecognised, p.Recognised.Load())
	counter(ch, descInvalid, p.Invalid.Load())
	ps := s.pub.Stats()
	counter(ch, descPublished, ps.Acked)
	counter(ch, descRetries, ps.Retried)
	counter(ch, descDuplicates, ps.Duplicates)
	counter(ch, descAbandoned, ps.FailedOnClose)
	gauge(ch, descInFlight, float64(ps.InFlight))

	for _, r := range syslog.Reasons() {
		counter(ch, descRejected, sy["rejected_"+r], "syslog", r)
	}
	for _, r := range snmp.Reasons() {
		counter(ch, descRejected, sn["rejected_"+r], "snmp", r)
	}
	var streamRejected [3]uint64
	for _, ps := range peers {
		streamRejected[0] += ps.Empty
		streamRejected[1] += ps.Oversize
		streamRejected[2] += ps.HandlerErrors
	}
	for i, r := range logstreamReasons {
		counter(ch, descRejected, streamRejected[i], "logstream", r)
	}
	counter(ch, descReadErrors, sy["read_errors"], "syslog")
	counter(ch, descReadErrors, sn["read_errors"], "snmp")

	counter(ch, descUnparsed, sy["unparsed"])
	counter(ch, descTruncated, sy["truncated"])
	gauge(ch, descConnsOpen, float64(sy["connections_open"]))
	counter(ch, descConnsAccepted, sy["connections_accepted"])
	counter(ch, descConnsIdle, sy["connections_idle_closed"])

	counter(ch, descSNMPDatagrams, sn["received"])
	counter(ch, descInformsAnswered, sn["informs_answered"])
	counter(ch, descReports, sn["reports_sent"], "sent")
	counter(ch, descReports, sn["reports_rate_limited"], "rate_limited")
	counter(ch, descEnrich, sn["enriched"], "ok")
	counter(ch, descEnrich, sn["enrich_failed"], "failed")
	counter(ch, descSendErrors, sn["send_errors"])

	for _, ps := range peers {
		counter(ch, descStreamLines, ps.Lines, ps.Addr)
		gauge(ch, descStreamConnected, boolGauge(ps.Connected), ps.Addr)
		counter(ch, descStreamReconnects, ps.Reconnects, ps.Addr)
		counter(ch, descStreamDialErrors, ps.DialErrors, ps.Addr)
	}

	c.collectUDP(ch)

	gauge(ch, descNATSConnected, boolGauge(s.nc.IsConnected()))
	counter(ch, descNATSReconnects, s.nc.Stats().Reconnects)

	if s.spool != nil {
		// Everything the inputs' publisher had acknowledged went into the
		// spool: its PubAcks come from the spool's stream.
		counter(ch, descSpooled, s.pub.Stats().Acked)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		st, err := s.spool.Stats(ctx)
		cancel()
		if err == nil {
			gauge(ch, descSpoolMessages, float64(st.Messages))
			gauge(ch, descSpoolBytes, float64(st.Bytes))
		}
		counter(ch, descForwarded, s.forwarder.Stats().Forwarded)
	}
	if s.embedded != nil {
		gauge(ch, descStoreWritable, boolGauge(s.embedded.StoreError() == nil), "events")
		counter(ch, descStoreReopens, s.embedded.StoreReopens(), "events")
	}
	if s.spool != nil {
		gauge(ch, descStoreWritable, boolGauge(s.spool.StoreError() == nil), "spool")
		counter(ch, descStoreReopens, s.spool.StoreReopens(), "spool")
	}
	counter(ch, descReloads, s.reloads[0].Load(), "ok")
	counter(ch, descReloads, s.reloads[1].Load(), "failed")
	if s.tlsFiles != nil {
		gauge(ch, descTLSCertExpiry, float64(s.tlsFiles.NotAfter().Unix()))
	}
	c.collectLicences(ch)
}

// collectLicences reports each PBX's licence state from the board's view
// of the pbx_licence bucket.
func (c *serviceCollector) collectLicences(ch chan<- prometheus.Metric) {
	b := c.s.board.Load()
	if b == nil {
		gauge(ch, descLicenceView, 0)
		return
	}
	systems, ready := b.Systems()
	gauge(ch, descLicenceView, boolGauge(ready))
	for _, sys := range systems {
		// The bucket key is the system's token, as in event subjects: unlike
		// a display name it is unique.
		name := sys.Key
		if l, ok := licence.LevelOfSeverity(events.Severity(sys.Level)); ok {
			gauge(ch, descLicenceLevel, float64(l), name)
		}
		gauge(ch, descLicenceDay, float64(sys.Day), name)
		if !sys.NextEscalationAt.IsZero() {
			gauge(ch, descLicenceNext, float64(sys.NextEscalationAt.Unix()), name)
		}
		if !sys.SystemLockAt.IsZero() {
			gauge(ch, descLicenceLock, float64(sys.SystemLockAt.Unix()), name)
		}
		gauge(ch, descLicenceStale, boolGauge(sys.Stale), name)
		gauge(ch, descLicenceUncertain, boolGauge(sys.LevelUncertain), name)
	}
}

// collectUDP reports the kernel's drops and queue for each UDP input,
// summed over the sockets bound to its address.
func (c *serviceCollector) collectUDP(ch chan<- prometheus.Metric) {
	a := c.s.addrs
	type udpInput struct {
		name string
		addr net.Addr
	}
	var inputs []udpInput
	for _, in := range []udpInput{{"syslog", a.SyslogUDP}, {"snmp", a.SNMP}} {
		if in.addr != nil {
			inputs = append(inputs, in)
		}
	}
	if len(inputs) == 0 {
		return
	}
	socks, err := procnet.ReadUDP()
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) { // no /proc: not Linux, nothing to report
			c.procErr.Do(func() {
				c.s.log.Warn("metrics: cannot read the kernel's UDP drops; pbxalarm_udp_receive_drops_total is left out", "err", err)
			})
		}
		return
	}
	for _, in := range inputs {
		ua, ok := in.addr.(*net.UDPAddr)
		if !ok {
			continue
		}
		local := ua.AddrPort()
		var drops, queue uint64
		found := false
		for _, sk := range socks {
			if sk.Bound(local) && sk.Remote.Addr().IsUnspecified() {
				found = true
				drops += sk.Drops
				queue += sk.RxQueue
			}
		}
		if found { // gone once the input has closed its socket
			counter(ch, descUDPDrops, drops, in.name)
			gauge(ch, descUDPQueue, float64(queue), in.name)
		}
	}
}
