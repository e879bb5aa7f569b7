package snmp

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/mivb"
	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

const testSysDescr = "VerAg:07.00.00.01.00;VerSw:13.0.1.53;VerHw:MXe;VerPl:3300 ICP;VerMCD:7.0 SP1 PR2"

// pbxCategories is the category table the test agent serves.
var pbxCategories = []events.Category{
	{Index: 1, Name: "License Violation", Level: 4},
	{Index: 2, Name: "IP Trunks", Level: 2, Available: 30, Unavailable: 3},
}

// startAgent runs net-snmp's snmpd on a free 127.0.0.1 port, serving
// sysDescr and the Mitel category table, readable with the test
// community and with the v3 user privUser. It returns the port.
func startAgent(t *testing.T) uint16 {
	t.Helper()
	path, err := exec.LookPath("snmpd")
	require.NoError(t, err, "net-snmp's snmpd is needed (Debian package snmpd)")
	port := uint16(testnet.FreePort(t, "udp"))
	dir := t.TempDir()
	var conf strings.Builder
	fmt.Fprintf(&conf, "agentaddress udp:127.0.0.1:%d\n", port)
	fmt.Fprintf(&conf, "rocommunity %s 127.0.0.1\n", testCommunity)
	fmt.Fprintf(&conf, "createUser %s SHA %q AES %q\nrouser %s priv\n", privUser, authPass, privPass, privUser)
	fmt.Fprintf(&conf, "sysdescr %s\n", testSysDescr)
	for _, c := range pbxCategories {
		row := func(col int) string { return fmt.Sprintf(".%s.%d.%d", mivb.OIDCategoryEntry, col, c.Index) }
		fmt.Fprintf(&conf, "override %s integer %d\n", row(mivb.CatColIndex), c.Index)
		fmt.Fprintf(&conf, "override %s integer %d\n", row(mivb.CatColAvailable), c.Available)
		fmt.Fprintf(&conf, "override %s integer %d\n", row(mivb.CatColUnavailable), c.Unavailable)
		fmt.Fprintf(&conf, "override %s integer %d\n", row(mivb.CatColLevel), c.Level)
		fmt.Fprintf(&conf, "override %s octet_str %q\n", row(mivb.CatColName), c.Name)
	}
	confPath := filepath.Join(dir, "snmpd.conf")
	require.NoError(t, os.WriteFile(confPath, []byte(conf.String()), 0o600))
	cmd := exec.Command(path, "-f", "-Lo", "-C", "-c", confPath, "-M", dir, "-m", "",
		"-p", filepath.Join(dir, "snmpd.pid"), "--persistentDir="+dir)
	cmd.Env = append(os.Environ(), "HOME="+dir, "SNMPCONFPATH="+dir, "SNMP_PERSISTENT_DIR="+dir, "MIBS=")
	out := new(syncWriter)
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("snmpd output:\n%s", out)
		}
	})
	rb, err := NewReadBack(ReadBackCommunity(testCommunity), ReadBackPort(port))
	require.NoError(t, err)
	eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := rb.Enrich(ctx, netip.MustParseAddr("127.0.0.1"))
		return err == nil
	}, "snmpd answers")
	return port
}

func TestReceiver_ReadsBackCategoryTableFromTheSendingPBX(t *testing.T) {
	port := startAgent(t)
	u, err := ParseUser(privUser + ":SHA:" + authPass + ":AES:" + privPass + "@any")
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		opt  ReadBackOption
	}{
		{"v2c community", ReadBackCommunity(testCommunity)},
		{"v3 authPriv", ReadBackUser(u)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rb, err := NewReadBack(tc.opt, ReadBackPort(port))
			require.NoError(t, err)
			c := newCollector()
			r := serve(t, c, WithCommunity(testCommunity), WithEnricher(rb))
			out, err := run(t, "snmptrap", alarmTrap(4, events.SeverityCritical).v1Args(target(r))...)
			require.NoError(t, err, out)
			n := c.next(t)
			s := n.SNMP
			require.True(t, s.Enriched, "enrich error: %s", s.EnrichError)
			assert.Empty(t, s.EnrichError)
			assert.Equal(t, testSysDescr, s.SysDescr)
			assert.Equal(t, pbxCategories, s.Categories)
			res := mivb.RecogniseTrap(n.Trap())
			assert.Equal(t, events.KindLicence, res.Kind)
			assert.Equal(t, events.SeverityCritical, res.Severity)
			assert.Equal(t, events.CauseUnknown, res.Cause)
			assert.Equal(t, "7.0 SP1 PR2", res.Release)
			assert.EqualValues(t, 1, r.Stats().Snapshot()["enriched"])
		})
	}
}

func TestReceiver_PassesTrapOnWhenReadBackFails(t *testing.T) {
	rb, err := NewReadBack(ReadBackCommunity(testCommunity), ReadBackPort(uint16(testnet.FreePort(t, "udp"))))
	require.NoError(t, err)
	c := newCollector()
	r := serve(t, c, WithCommunity(testCommunity), WithEnricher(rb), WithEnrichTimeout(300*time.Millisecond))
	out, err := run(t, "snmptrap", alarmTrap(3, events.SeverityMajor).v2cArgs(target(r))...)
	require.NoError(t, err, out)
	n := c.next(t)
	assert.False(t, n.SNMP.Enriched)
	assert.NotEmpty(t, n.SNMP.EnrichError)
	assert.Equal(t, events.KindAlarm, mivb.RecogniseTrap(n.Trap()).Kind)
	assert.EqualValues(t, 1, r.Stats().Snapshot()["enrich_failed"])
}

// blockingEnricher holds every read-back until released.
type blockingEnricher struct{ release chan struct{} }

func (b blockingEnricher) Enrich(ctx context.Context, _ netip.Addr) (*Enrichment, error) {
	select {
	case <-b.release:
		return &Enrichment{SysDescr: "released"}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestReceiver_BoundsReadBacksInProgress(t *testing.T) {
	e := blockingEnricher{release: make(chan struct{})}
	c := newCollector()
	r := serve(t, c, WithCommunity(testCommunity), WithEnricher(e), WithEnrichConcurrency(1), WithEnrichTimeout(waitFor))
	first := alarmTrap(2, events.SeverityMinor).v2cArgs(target(r))
	out, err := run(t, "snmptrap", first...)
	require.NoError(t, err, out)
	out, err = run(t, "snmptrap", alarmTrap(3, events.SeverityMajor).v2cArgs(target(r))...)
	require.NoError(t, err, out)
	// The second finds the only slot taken and goes on at once, unenriched.
	n := c.next(t)
	assert.Equal(t, 3, *n.SNMP.AlarmLevel)
	assert.Equal(t, enrichBusy, n.SNMP.EnrichError)
	close(e.release)
	n = c.next(t)
	assert.Equal(t, 2, *n.SNMP.AlarmLevel)
	assert.True(t, n.SNMP.Enriched)
	assert.Equal(t, "released", n.SNMP.SysDescr)
}

// A read-back cut short by shutdown still hands its trap on.
func TestReceiver_ShutdownHandsOnTrapsBeingEnriched(t *testing.T) {
	e := blockingEnricher{release: make(chan struct{})}
	c := newCollector()
	r, err := Listen("127.0.0.1:0", c, WithLogger(testLogger(t)), WithCommunity(testCommunity), WithEnricher(e), WithEnrichTimeout(time.Hour))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx) }()
	out, err := run(t, "snmptrap", alarmTrap(2, events.SeverityMinor).v2cArgs(target(r))...)
	require.NoError(t, err, out)
	eventually(t, func() bool { return r.Stats().Accepted() == 1 }, "trap read")
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(waitFor):
		t.Fatal("Serve did not return")
	}
	n := c.next(t)
	assert.False(t, n.SNMP.Enriched)
	assert.Contains(t, n.SNMP.EnrichError, "canceled")
}
