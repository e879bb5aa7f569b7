package snmp

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/mivb"
)

var update = flag.Bool("update", false, "capture missing packets with net-snmp, rewrite expected.json and the fuzz seed corpus")

// Each folder of testdata/decode is one case:
//
//	command.txt   the net-snmp command line that sends the packet, TARGET
//	              standing for the capturing socket (optional)
//	packet.hex    the datagram in hex; captured with -update when missing
//	expected.json what decoding it gives: the notification and what mivb
//	              makes of it, or the rejection reason
const decodeCases = "testdata/decode"

// goldenPeer and goldenNow stand in for the sender and the clock.
var (
	goldenPeer = netip.MustParseAddrPort("192.0.2.10:1024")
	goldenNow  = time.Date(2020, 8, 21, 9, 0, 1, 0, time.UTC)
)

// goldenEngine is the receiver's engine ID in the golden cases.
const goldenEngine = "8000000005000102030405060708090a0b"

// decoded is the JSON form of an outcome.
type decoded struct {
	Rejected     string       `json:"rejected,omitempty"`
	Notification *goldenNotif `json:"notification,omitempty"`
	Inform       bool         `json:"inform,omitempty"`
	Reply        bool         `json:"reply,omitempty"`
	Recognised   *mivb.Result `json:"recognised,omitempty"`
}

type goldenNotif struct {
	Peer       string      `json:"peer"`
	ReceivedAt time.Time   `json:"received_at"`
	Identity   string      `json:"identity"`
	SysName    string      `json:"sys_name,omitempty"`
	SNMP       events.SNMP `json:"snmp"`
}

func testDecoder(t testing.TB) *decoder {
	t.Helper()
	cfg := newConfig(append(testUsers(t), WithCommunity(testCommunity)))
	users, err := newUserTable(cfg.users)
	require.NoError(t, err)
	id, _ := hex.DecodeString(goldenEngine)
	engine, err := loadEngine(id, "", func() time.Time { return goldenNow })
	require.NoError(t, err)
	return newDecoder(&cfg, users, engine)
}

func describe(o outcome) decoded {
	var d decoded
	if o.rej != nil {
		d.Rejected = o.rej.reason
	}
	d.Inform, d.Reply = o.answer != nil, o.reply != nil
	if o.n != nil {
		d.Notification = &goldenNotif{
			Peer: o.n.Peer.String(), ReceivedAt: o.n.ReceivedAt, Identity: hex.EncodeToString(o.n.Identity),
			SysName: o.n.SysName, SNMP: o.n.SNMP,
		}
		r := mivb.RecogniseTrap(o.n.Trap())
		d.Recognised = &r
	}
	return d
}

func TestDecode_Golden(t *testing.T) {
	dirs, err := os.ReadDir(decodeCases)
	require.NoError(t, err)
	dec := testDecoder(t)
	for _, e := range dirs {
		dir := filepath.Join(decodeCases, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			pkt := loadPacket(t, dir)
			got, err := json.MarshalIndent(describe(dec.decode(pkt, goldenPeer, goldenNow)), "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			want := filepath.Join(dir, "expected.json")
			if *update {
				require.NoError(t, os.WriteFile(want, got, 0o644))
				writeSeed(t, e.Name(), pkt)
			}
			b, err := os.ReadFile(want)
			require.NoError(t, err, "run go test -update to create it")
			assert.JSONEq(t, string(b), string(got))
		})
	}
}

// loadPacket reads a case's packet, capturing it first with -update.
func loadPacket(t testing.TB, dir string) []byte {
	t.Helper()
	path := filepath.Join(dir, "packet.hex")
	if _, err := os.Stat(path); err != nil && *update {
		cmd, err := os.ReadFile(filepath.Join(dir, "command.txt"))
		require.NoError(t, err, "a case needs packet.hex or command.txt")
		pkt := capture(t, strings.Fields(string(cmd)))
		require.NoError(t, os.WriteFile(path, []byte(hex.EncodeToString(pkt)+"\n"), 0o644))
	}
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	pkt, err := hex.DecodeString(strings.Join(strings.Fields(string(b)), ""))
	require.NoError(t, err)
	return pkt
}

// capture runs a net-snmp command against a bare socket and returns the
// first datagram it sends.
func capture(t testing.TB, args []string) []byte {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer c.Close()
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "TARGET", "udp:"+c.LocalAddr().String())
	}
	cmd := netsnmp(t, args[0], args[1:]...)
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	go cmd.Wait()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(waitFor)))
	buf := make([]byte, bufferSize)
	n, _, err := c.ReadFromUDP(buf)
	require.NoError(t, err, "nothing captured from %v: %s", args, cmd.Stdout)
	return buf[:n]
}

// writeSeed keeps a case's packet in FuzzDecode's seed corpus.
func writeSeed(t testing.TB, name string, pkt []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", pkt)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
}
