package agent

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodeRequest builds one request as a client would send it.
func encodeRequest(t testing.TB, v gosnmp.SnmpVersion, community string, pdu gosnmp.PDUType, nonRep uint8, maxRep uint32, oids ...string) []byte {
	t.Helper()
	g := &gosnmp.GoSNMP{Version: v, Community: community}
	vars := make([]gosnmp.SnmpPDU, len(oids))
	for i, o := range oids {
		vars[i] = gosnmp.SnmpPDU{Name: o, Type: gosnmp.Null}
	}
	b, err := g.SnmpEncodePacket(pdu, vars, nonRep, maxRep)
	require.NoError(t, err)
	return b
}

// rawConn is a UDP socket talking to the agent directly.
func rawConn(t testing.TB, a *Agent) *net.UDPConn {
	t.Helper()
	conn, err := net.DialUDP("udp", nil, a.Addr().(*net.UDPAddr))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return conn
}

// exchange sends pkt and returns the next datagram received, decoded, and
// its size.
func exchange(t testing.TB, conn *net.UDPConn, pkt []byte) (*gosnmp.SnmpPacket, int) {
	t.Helper()
	_, err := conn.Write(pkt)
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(waitFor)))
	buf := make([]byte, 70000)
	n, err := conn.Read(buf)
	require.NoError(t, err, "no response")
	resp, err := (&gosnmp.GoSNMP{Version: gosnmp.Version2c}).SnmpDecodePacket(buf[:n])
	require.NoError(t, err)
	return resp, n
}

func TestAgent_IgnoresAndCountsBadInput(t *testing.T) {
	get := func(v gosnmp.SnmpVersion) []byte {
		return encodeRequest(t, v, "public", gosnmp.GetRequest, 0, 0, oidSysName)
	}
	good := get(gosnmp.Version2c)
	cases := []struct {
		name    string
		pkt     []byte
		counter func(*Stats) *atomic.Uint64
	}{
		{"empty datagram", nil, func(s *Stats) *atomic.Uint64 { return &s.Malformed }},
		{"text garbage", []byte("GET / HTTP/1.1\r\n\r\n"), func(s *Stats) *atomic.Uint64 { return &s.Malformed }},
		{"binary garbage", []byte{0x30, 0x82, 0xff, 0xff, 0x02, 0x01, 0x01, 0xde, 0xad}, func(s *Stats) *atomic.Uint64 { return &s.Malformed }},
		{"truncated request", good[:len(good)-3], func(s *Stats) *atomic.Uint64 { return &s.Malformed }},
		{"request with trailing bytes", append(append([]byte{}, good...), 0, 0), func(s *Stats) *atomic.Uint64 { return &s.Malformed }},
		{"length field lies", append([]byte{0x30, byte(len(good))}, good[2:]...), func(s *Stats) *atomic.Uint64 { return &s.Malformed }},
		{"snmpv3 message", []byte{0x30, 0x05, 0x02, 0x01, 0x03, 0x30, 0x00}, func(s *Stats) *atomic.Uint64 { return &s.BadVersion }},
		{"version 7", append([]byte{0x30, byte(len(good) - 2), 0x02, 0x01, 0x07}, good[5:]...), func(s *Stats) *atomic.Uint64 { return &s.BadVersion }},
		{"wrong community", encodeRequest(t, gosnmp.Version2c, "private", gosnmp.GetRequest, 0, 0, oidSysName), func(s *Stats) *atomic.Uint64 { return &s.BadCommunity }},
		{"community prefix", encodeRequest(t, gosnmp.Version1, "publi", gosnmp.GetRequest, 0, 0, oidSysName), func(s *Stats) *atomic.Uint64 { return &s.BadCommunity }},
		{"v2c trap", encodeRequest(t, gosnmp.Version2c, "public", gosnmp.SNMPv2Trap, 0, 0, oidSysName), func(s *Stats) *atomic.Uint64 { return &s.BadPDU }},
		{"response", encodeRequest(t, gosnmp.Version2c, "public", gosnmp.GetResponse, 0, 0, oidSysName), func(s *Stats) *atomic.Uint64 { return &s.BadPDU }},
		{"getbulk in v1", encodeRequest(t, gosnmp.Version1, "public", gosnmp.GetBulkRequest, 0, 5, oidSysName), func(s *Stats) *atomic.Uint64 { return &s.BadPDU }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := startAgent(t, loadTable(t, "testdata/mivb-table.txt"))
			conn := rawConn(t, a)
			_, err := conn.Write(c.pkt)
			require.NoError(t, err)
			eventually(t, func() bool { return c.counter(a.Stats()).Load() == 1 }, "rejection counted")

			// The agent answers one datagram at a time, in order: had it
			// answered the bad one, that answer would arrive first.
			resp, _ := exchange(t, conn, good)
			assert.Equal(t, gosnmp.GetResponse, resp.PDUType)
			require.Len(t, resp.Variables, 1)
			assert.Equal(t, oidSysName, resp.Variables[0].Name)
			// Counted once sent, so perhaps just after the client read it.
			eventually(t, func() bool { return a.Stats().Responses.Load() >= 1 }, "response counted")
			assert.Equal(t, uint64(1), a.Stats().Responses.Load(), "only the good request was answered")
		})
	}
}

func TestAgent_WrongCommunityTimesOutClient(t *testing.T) {
	a := startAgent(t, loadTable(t, "testdata/mivb-table.txt"))
	c := client(t, a, gosnmp.Version2c, "not-public")
	c.Timeout = 200 * time.Millisecond
	_, err := c.Get([]string{oidSysName})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "timeout")
	assert.Equal(t, uint64(1), a.Stats().BadCommunity.Load())
	assert.Zero(t, a.Stats().Responses.Load())

	ok := client(t, a, gosnmp.Version2c, "public")
	_, err = ok.Get([]string{oidSysName})
	assert.NoError(t, err, "the right community is still answered")
}

func TestAgent_CustomCommunity(t *testing.T) {
	a := startAgent(t, loadTable(t, "testdata/mivb-table.txt"), WithCommunity("mivb-ro"))
	res, err := client(t, a, gosnmp.Version1, "mivb-ro").Get([]string{oidSysName})
	require.NoError(t, err)
	assert.Equal(t, "MIVB-HQ", string(res.Variables[0].Value.([]byte)))
}

func TestAgent_BoundsResponseSize(t *testing.T) {
	long := strings.Repeat("x", 300)
	tab := NewTable()
	for i := range 8 {
		require.NoError(t, tab.Set(fmt.Sprintf("1.3.6.1.4.1.9.%d", i), OctetString(long)))
	}
	require.NoError(t, tab.Set("1.3.6.1.4.1.10.1", OctetString(strings.Repeat("y", 600))))
	deep := ".1.3" + strings.Repeat(".1", 120)
	for i := range 5 {
		require.NoError(t, tab.Set(fmt.Sprintf("%s.%d", deep, i), OctetString(long)))
	}
	a := startAgent(t, tab, WithMaxResponseSize(484))

	cases := []struct {
		name      string
		req       []byte
		wantErr   gosnmp.SNMPError
		wantVars  int
		wantBig   uint64
		checkVars func(t *testing.T, vars []gosnmp.SnmpPDU)
	}{
		{
			name:    "v2c get too big has no varbinds",
			req:     encodeRequest(t, gosnmp.Version2c, "public", gosnmp.GetRequest, 0, 0, ".1.3.6.1.4.1.9.0", ".1.3.6.1.4.1.9.1"),
			wantErr: gosnmp.TooBig, wantVars: 0, wantBig: 1,
		},
		{
			name:    "v1 get too big echoes the request",
			req:     encodeRequest(t, gosnmp.Version1, "public", gosnmp.GetRequest, 0, 0, ".1.3.6.1.4.1.9.0", ".1.3.6.1.4.1.9.1"),
			wantErr: gosnmp.TooBig, wantVars: 2, wantBig: 1,
			checkVars: func(t *testing.T, vars []gosnmp.SnmpPDU) {
				assert.Equal(t, ".1.3.6.1.4.1.9.1", vars[1].Name)
				assert.Equal(t, gosnmp.Null, vars[1].Type)
			},
		},
		{
			name: "v1 too big for the echo has no varbinds",
			req: encodeRequest(t, gosnmp.Version1, "public", gosnmp.GetRequest, 0, 0,
				deep+".0", deep+".1", deep+".2", deep+".3", deep+".4"),
			wantErr: gosnmp.TooBig, wantVars: 0, wantBig: 1,
		},
		{
			name:    "getbulk is trimmed to fit",
			req:     encodeRequest(t, gosnmp.Version2c, "public", gosnmp.GetBulkRequest, 0, 8, ".1.3.6.1.4.1.9"),
			wantErr: gosnmp.NoError, wantVars: 1,
			checkVars: func(t *testing.T, vars []gosnmp.SnmpPDU) {
				assert.Equal(t, ".1.3.6.1.4.1.9.0", vars[0].Name)
			},
		},
		{
			name:    "getbulk whose first varbind cannot fit is too big",
			req:     encodeRequest(t, gosnmp.Version2c, "public", gosnmp.GetBulkRequest, 0, 8, ".1.3.6.1.4.1.9.7"),
			wantErr: gosnmp.TooBig, wantVars: 0, wantBig: 1,
		},
		{
			name:    "getnext within the limit is answered",
			req:     encodeRequest(t, gosnmp.Version2c, "public", gosnmp.GetNextRequest, 0, 0, ".1.3.6.1.4.1.9.2"),
			wantErr: gosnmp.NoError, wantVars: 1,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := a.Stats().TooBig.Load()
			resp, size := exchange(t, rawConn(t, a), c.req)
			assert.LessOrEqual(t, size, 484)
			assert.Equal(t, c.wantErr, resp.Error)
			assert.Zero(t, resp.ErrorIndex)
			require.Len(t, resp.Variables, c.wantVars)
			if c.checkVars != nil {
				c.checkVars(t, resp.Variables)
			}
			assert.Equal(t, c.wantBig, a.Stats().TooBig.Load()-before)
		})
	}
}

func TestAgent_GetBulkWithHugeRepetitionsIsBounded(t *testing.T) {
	tab := NewTable()
	for i := range 2000 {
		require.NoError(t, tab.Set(fmt.Sprintf("1.3.6.1.4.1.9.%d", i), Integer(int32(i))))
	}
	a := startAgent(t, tab, WithMaxResponseSize(MaxMaxResponseSize))
	resp, size := exchange(t, rawConn(t, a),
		encodeRequest(t, gosnmp.Version2c, "public", gosnmp.GetBulkRequest, 0, 1<<31-1, ".1.3.6.1.4.1.9"))
	assert.Equal(t, gosnmp.NoError, resp.Error)
	assert.LessOrEqual(t, size, MaxMaxResponseSize)
	require.Len(t, resp.Variables, 2001, "all 2000 rows, then the end of the MIB")
	assert.Equal(t, gosnmp.EndOfMibView, resp.Variables[2000].Type)
}

// A GETBULK of a whole table sees one state of it, however often the table
// is rewritten meanwhile.
func TestAgent_EachRequestSeesOneStateOfTheTable(t *testing.T) {
	tab := NewTable()
	rows := func(gen int) map[string]Value {
		m := map[string]Value{}
		for row := 1; row <= 20; row++ {
			m[fmt.Sprintf("%s.%d", oidCatName, row)] = OctetString(fmt.Sprint("generation ", gen))
		}
		return m
	}
	require.NoError(t, tab.ReplaceSubtree(oidCategories, rows(0)))
	a := startAgent(t, tab, WithMaxResponseSize(MaxMaxResponseSize))

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for gen := 1; ctx.Err() == nil; gen++ {
			assert.NoError(t, tab.ReplaceSubtree(oidCategories, rows(gen)))
		}
	})
	defer func() { cancel(); wg.Wait() }()

	c := client(t, a, gosnmp.Version2c, "public")
	for range 50 {
		res, err := c.GetBulk([]string{oidCatName}, 0, 20)
		require.NoError(t, err)
		require.Len(t, res.Variables, 20)
		first := string(res.Variables[0].Value.([]byte))
		for _, v := range res.Variables {
			require.Equal(t, first, string(v.Value.([]byte)), "one response mixes two states")
		}
	}
}

func TestListen_RejectsBadArguments(t *testing.T) {
	_, err := Listen("127.0.0.1:0", nil)
	assert.ErrorContains(t, err, "nil table")
	_, err = Listen("127.0.0.1:0", NewTable(), WithCommunity(strings.Repeat("c", 128)))
	assert.ErrorContains(t, err, "community")
	_, err = Listen("127.0.0.1:notaport", NewTable())
	assert.ErrorContains(t, err, "agent: resolve")
}

func TestAgent_ServeTwiceFails(t *testing.T) {
	a := startAgent(t, NewTable())
	eventually(t, a.serving.Load, "first Serve started")
	assert.Error(t, a.Serve(context.Background()))
}

func TestAgent_ServeReleasesThePort(t *testing.T) {
	a, err := Listen("127.0.0.1:0", NewTable(), WithLogger(quietLogger()))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(waitFor):
		t.Fatal("Serve did not return")
	}
	again, err := net.ListenUDP("udp", a.Addr().(*net.UDPAddr))
	require.NoError(t, err, "the port is free again")
	again.Close()
}
