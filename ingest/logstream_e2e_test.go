package ingest

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
)

// serve --logstream connects out to a PBX's maintenance-log stream; each
// line becomes an event named as configured, with transport logstream.
func TestServe_LogstreamLinesArriveNamed(t *testing.T) {
	pbx, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer pbx.Close()
	cfg := testConfig(t)
	cfg.Logstreams = []string{"MIVB-STREAM=" + pbx.Addr().String()}
	r := startService(t, cfg)
	c := collect(t, r.svc.Addrs().NATS, "PBX_EVENTS")

	conn, err := pbx.Accept()
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte(licenceMinor + "\r\n" +
		"MAINT 004730 Info 2020/08/21 10:00:00 src=DBMgr mod=DB: Database backup completed\r\n" +
		"\xff\xfe not a record\n"))
	require.NoError(t, err)

	got := c.next(3)
	for _, g := range got {
		assert.Equal(t, "MIVB-STREAM", g.event.Data.System)
		assert.Equal(t, events.TransportLogstream, g.event.Data.Transport)
	}
	assert.Equal(t, "pbx.mivb-stream.licence.minor", got[0].subject)
	assert.Equal(t, events.CauseCertificateUpdate, got[0].event.Data.Cause)
	assert.Equal(t, "2020-08-23T09:00:00Z", got[0].event.Time.Format("2006-01-02T15:04:05Z07:00"), "event time is the record's own")
	assert.Equal(t, licenceMinor, got[0].event.Data.Raw, "raw is the line without CR LF")
	assert.Equal(t, "pbx.mivb-stream.log.info", got[1].subject)
	assert.True(t, got[2].event.Data.RawBase64, "invalid UTF-8 travels as base64")
	raw, err := got[2].event.Data.RawBytes()
	require.NoError(t, err)
	assert.Equal(t, []byte("\xff\xfe not a record"), raw)
}
