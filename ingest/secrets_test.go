package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/snmp"
	"github.com/pbxalarm/pbxalarm/internal/testlog"
	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

// Every secret the service is given, and the wrong ones senders try. None
// may appear in a log line or an event.
const (
	secretCommunity = "s3cr3t-community"
	secretAuthPass  = "s3cr3t-auth-pass"
	secretPrivPass  = "s3cr3t-priv-pass"
	secretReadComm  = "s3cr3t-read-community"
	secretNATSPass  = "s3cr3t-nats-pass"
	secretNATSToken = "s3cr3t-nats-token"
	wrongCommunity  = "s3cr3t-wrong-community"
	wrongAuthPass   = "s3cr3t-wrong-auth-pass"
)

var allSecrets = []string{
	secretCommunity, secretAuthPass, secretPrivPass, secretReadComm,
	secretNATSPass, secretNATSToken, wrongCommunity, wrongAuthPass,
}

// startAuthNATS runs a NATS server with JetStream in process that admits
// only the given user and password, or token.
func startAuthNATS(t *testing.T, user, password, token string) string {
	t.Helper()
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		Username: user, Password: password, Authorization: token, NoLog: true, NoSigs: true,
	})
	require.NoError(t, err)
	go ns.Start()
	t.Cleanup(ns.Shutdown)
	require.True(t, ns.ReadyForConnections(10*time.Second), "NATS server did not start")
	return fmt.Sprintf("127.0.0.1:%d", ns.Addr().(*net.TCPAddr).Port)
}

// startLogged is startService with every log line, debug included, as JSON
// into the returned buffer.
func startLogged(t *testing.T, cfg Config) (*running, *testlog.Buffer) {
	t.Helper()
	logs := new(testlog.Buffer)
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := New(ctx, cfg, log)
	require.NoError(t, err)
	r := &running{svc: svc, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- svc.Run(ctx) }()
	t.Cleanup(func() { r.shutdown(t) })
	return r, logs
}

// assertNoSecret fails for each secret found in what.
func assertNoSecret(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range allSecrets {
		if strings.Contains(text, s) {
			t.Errorf("%s holds the secret %q:\n%s", what, s, text)
		}
	}
}

// The secrets guarantee, end to end: v1, v2c and v3 authPriv traps and
// informs, a wrong community, a wrong passphrase and a failed read-back,
// through the service to a NATS server that wants a password. No secret
// is in any log line (debug included, start and shutdown included) or in
// any event, raw bytes decoded.
func TestServe_SecretsNeverLoggedNorPublished(t *testing.T) {
	natsAddr := startAuthNATS(t, "pbx", secretNATSPass, "")
	cfg := testConfig(t)
	cfg.NATSURL = "nats://pbx:" + secretNATSPass + "@" + natsAddr
	cfg.SNMPUDP = "127.0.0.1:0"
	cfg.SNMPCommunities = []string{secretCommunity}
	u, err := snmp.ParseUser("secops:SHA:" + secretAuthPass + ":AES:" + secretPrivPass + "@any")
	require.NoError(t, err)
	cfg.SNMPUsers = []snmp.User{u}
	cfg.SNMPReadCommunity = secretReadComm // read-back after trap 301: nobody answers, it fails
	cfg.SNMPReadPort = testnet.FreePort(t, "udp")
	cfg.SNMPReadTimeout = 300 * time.Millisecond
	r, logs := startLogged(t, cfg)
	a := r.svc.Addrs()
	assert.Equal(t, "nats://"+natsAddr, a.NATS, "Addrs has no user information")
	c := collect(t, "nats://pbx:"+secretNATSPass+"@"+natsAddr, "PBX_EVENTS")

	target := "udp:" + a.SNMP.String()
	v3 := []string{"-v", "3", "-u", "secops", "-l", "authPriv", "-a", "SHA", "-x", "AES", "-X", secretPrivPass}
	sends := []struct {
		tool string
		args []string
	}{
		{"snmptrap", []string{"-v", "1", "-c", secretCommunity, target, "1.3.6.1.4.1.1027.1.2.3", "127.0.0.1", "6", "301", "42",
			oidSys, "s", "V1", oidLevel, "i", "2"}},
		{"snmptrap", append([]string{"-v", "2c", "-c", secretCommunity, target, "", trap301}, alarmVarbinds("V2C", "3")...)},
		{"snmpinform", append([]string{"-v", "2c", "-c", secretCommunity, "-t", "3", "-r", "2", target, "", trap301}, alarmVarbinds("V2C-INFORM", "3")...)},
		{"snmptrap", append(append(append([]string{}, v3...), "-A", secretAuthPass, "-e", "0x8000000001020304", target, "", trap301), alarmVarbinds("V3", "4")...)},
		{"snmpinform", append(append(append([]string{}, v3...), "-A", secretAuthPass, "-t", "3", "-r", "2", target, "", trap301), alarmVarbinds("V3-INFORM", "4")...)},
		// rejected: a wrong community and a wrong passphrase
		{"snmptrap", append([]string{"-v", "2c", "-c", wrongCommunity, target, "", trap301}, alarmVarbinds("WRONG", "2")...)},
		{"snmptrap", append(append(append([]string{}, v3...), "-A", wrongAuthPass, "-e", "0x8000000001020304", target, "", trap301), alarmVarbinds("WRONG-V3", "2")...)},
	}
	for _, s := range sends {
		out, err := netSNMP(t, s.tool, s.args...)
		require.NoError(t, err, "%s: %s", s.tool, out)
	}

	const want = 5
	systems := map[string]bool{}
	for range want {
		select {
		case m := <-c.msgs:
			assertNoSecret(t, "event "+m.Subject(), string(m.Data()))
			e, err := events.Unmarshal(m.Data())
			require.NoError(t, err)
			raw, err := e.Data.RawBytes()
			require.NoError(t, err)
			assertNoSecret(t, "data.raw (decoded) of "+m.Subject(), string(raw))
			for k, v := range m.Headers() {
				assertNoSecret(t, "header "+k, strings.Join(v, " "))
			}
			systems[e.Data.System] = true
			if e.Data.System == "V2C" {
				assert.NotEmpty(t, e.Data.SNMP.EnrichError, "the read-back failed, and says why")
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("got %d of %d events", len(systems), want)
		}
	}
	assert.Equal(t, map[string]bool{"V1": true, "V2C": true, "V2C-INFORM": true, "V3": true, "V3-INFORM": true}, systems)
	c.none(300 * time.Millisecond)
	st := r.svc.SNMPStats()
	require.Eventually(t, func() bool {
		return st.Rejected(snmp.ReasonBadCommunity) == 1 && st.Rejected(snmp.ReasonAuthFailure) == 1
	}, 10*time.Second, 10*time.Millisecond, "one bad_community and one auth_failure: %v", st.Snapshot())
	r.shutdown(t)

	text := logs.String()
	assertNoSecret(t, "the log", text)
	// ... although the log did speak of each of these things.
	for _, said := range []string{`"reason":"bad_community"`, `"reason":"auth_failure"`, "snmp: read-back failed",
		`"nats":"nats://` + natsAddr + `"`, "NATS connected", "pbxalarm stopped"} {
		assert.Contains(t, text, said)
	}
}

// A token in the NATS URL is a secret as much as a password: the service
// connects with it and never logs it.
func TestServe_NATSTokenInURLNeverLogged(t *testing.T) {
	natsAddr := startAuthNATS(t, "", "", secretNATSToken)
	cfg := testConfig(t)
	cfg.NATSURL = "nats://" + secretNATSToken + "@" + natsAddr
	r, logs := startLogged(t, cfg)
	c := collect(t, cfg.NATSURL, "PBX_EVENTS")
	conn, err := net.Dial("udp", r.svc.Addrs().SyslogUDP.String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("<13>Aug 21 09:14:02 hq app: through a token"))
	require.NoError(t, err)
	assert.Equal(t, "through a token", c.next(1)[0].event.Data.Message)
	r.shutdown(t)
	assertNoSecret(t, "the log", logs.String())
	assert.Contains(t, logs.String(), "NATS connected")
}

// Configuration errors name the field at fault, never the secret in it.
func TestConfig_ErrorsNeverQuoteSecrets(t *testing.T) {
	cfg := Defaults()
	cfg.NATSURL = "nats://pbx:" + secretNATSPass + "@127.0.0.1:bad port"
	cfg.NATSCreds = "creds"
	cfg.SNMPUsers = []snmp.User{{Name: "ops", Auth: "SHA", AuthPass: secretAuthPass, Priv: "AES", PrivPass: "short"}}
	cfg.SNMPCommunities = []string{secretCommunity + "@10.0.0.0/8"}
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nats-url:")
	assert.Contains(t, err.Error(), "snmp-user:")
	assertNoSecret(t, "the error", err.Error())

	cfg = Defaults()
	cfg.NATSURL = "nats://" + secretNATSToken + "@127.0.0.1:4222"
	cfg.NATSNKey = "seed.nk"
	err = cfg.Validate()
	require.ErrorContains(t, err, "nats-url:")
	assertNoSecret(t, "the error", err.Error())
}
