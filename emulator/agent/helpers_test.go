package agent

import (
	"bufio"
	"context"
	"encoding/hex"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/stretchr/testify/require"
)

const waitFor = 10 * time.Second

// loadTable reads a table fixture: one "OID TYPE VALUE" line each, types
// named as snmpset names them.
func loadTable(t testing.TB, path string) *Table {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	tab := NewTable()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.SplitN(line, " ", 3)
		require.Len(t, fields, 3, "fixture line %q", line)
		require.NoError(t, tab.Set(fields[0], fixtureValue(t, fields[1], fields[2])), "fixture line %q", line)
	}
	require.NoError(t, sc.Err())
	return tab
}

func fixtureValue(t testing.TB, typ, s string) Value {
	t.Helper()
	num := func() uint64 {
		n, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "number %q", s)
		return n
	}
	switch typ {
	case "s":
		return OctetString(s)
	case "x":
		b, err := hex.DecodeString(s)
		require.NoError(t, err)
		return Octets(b)
	case "i":
		n, err := strconv.ParseInt(s, 10, 32)
		require.NoError(t, err)
		return Integer(int32(n))
	case "u":
		return Gauge32(uint32(num()))
	case "c":
		return Counter32(uint32(num()))
	case "C":
		return Counter64(num())
	case "t":
		return TimeTicks(uint32(num()))
	case "o":
		return ObjectIdentifier(s)
	case "a":
		return IPAddress(netip.MustParseAddr(s))
	}
	t.Fatalf("fixture type %q", typ)
	return Value{}
}

// startAgent serves tab on an ephemeral loopback port until the test
// ends, and checks then that Serve returned.
func startAgent(t testing.TB, tab *Table, opts ...Option) *Agent {
	t.Helper()
	opts = append([]Option{WithLogger(quietLogger())}, opts...)
	a, err := Listen("127.0.0.1:0", tab, opts...)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-served:
			require.NoError(t, err)
		case <-time.After(waitFor):
			t.Error("Serve did not return after cancel")
		}
	})
	return a
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// client returns a gosnmp client of the agent.
func client(t testing.TB, a *Agent, version gosnmp.SnmpVersion, community string) *gosnmp.GoSNMP {
	t.Helper()
	ap := netip.MustParseAddrPort(a.Addr().String())
	g := &gosnmp.GoSNMP{
		Target:    ap.Addr().String(),
		Port:      ap.Port(),
		Community: community,
		Version:   version,
		Timeout:   2 * time.Second,
		Retries:   0,
	}
	require.NoError(t, g.Connect())
	t.Cleanup(func() { g.Conn.Close() })
	return g
}

// eventually waits for cond, failing the test after waitFor.
func eventually(t testing.TB, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", msg)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
