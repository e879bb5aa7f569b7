package snmp

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// informCreds are the credentials of each inform form the tests send.
var informCreds = []struct {
	name string
	args []string
}{
	{"v2c", []string{"-v", "2c", "-c", testCommunity}},
	{"v3 authNoPriv SHA", authNoPrivSHA.args()},
	{"v3 authPriv SHA AES", authPrivSHA.args()},
}

// startInform runs snmpinform in the background; the returned channel
// yields its exit error.
func startInform(t *testing.T, r *Receiver, creds []string, timing ...string) (*exec.Cmd, <-chan error) {
	t.Helper()
	args := append(append(append([]string{}, creds...), timing...), alarmArgs(target(r))...)
	cmd := netsnmp(t, "snmpinform", args...)
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return cmd, done
}

func TestReceiver_AnswersInformOnlyAfterAck(t *testing.T) {
	for _, tc := range informCreds {
		t.Run(tc.name, func(t *testing.T) {
			c := newCollector()
			acks := make(chan func(error), 1)
			c.ackWith = func(_ *Notification, ack func(error)) { acks <- ack }
			r := serve(t, c, append(testUsers(t), WithCommunity(testCommunity))...)
			cmd, done := startInform(t, r, tc.args, "-t", "10", "-r", "0")
			n := c.next(t)
			assert.Equal(t, "inform", n.SNMP.PDU)
			ack := <-acks
			// The handler holds the ack: no Response has gone out, so the
			// sender is still waiting.
			select {
			case err := <-done:
				t.Fatalf("snmpinform ended before the ack: %v: %s", err, cmd.Stdout)
			default:
			}
			assert.Zero(t, r.Stats().Snapshot()["informs_answered"])
			ack(nil)
			select {
			case err := <-done:
				require.NoError(t, err, "snmpinform: %s", cmd.Stdout)
			case <-time.After(waitFor):
				t.Fatal("snmpinform got no Response after the ack")
			}
			assert.EqualValues(t, 1, r.Stats().Snapshot()["informs_answered"])
			ack(nil) // a second ack sends nothing more
			assert.EqualValues(t, 1, r.Stats().Snapshot()["informs_answered"])
		})
	}
}

func TestReceiver_NeverAnswersUnackedInform(t *testing.T) {
	for _, tc := range []struct {
		name string
		ack  func(ack func(error))
	}{
		{"ack never called", func(func(error)) {}},
		{"ack with an error", func(ack func(error)) { ack(errors.New("not stored")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCollector()
			c.ackWith = func(_ *Notification, ack func(error)) { tc.ack(ack) }
			r := serve(t, c, WithCommunity(testCommunity))
			cmd, done := startInform(t, r, informCreds[0].args, "-t", "1", "-r", "0")
			c.next(t)
			select {
			case err := <-done:
				require.Error(t, err, "snmpinform must time out without a Response")
				assert.Contains(t, strings.ToLower(cmd.Stdout.(*syncWriter).String()), "timeout")
			case <-time.After(waitFor):
				t.Fatal("snmpinform did not give up")
			}
			assert.Zero(t, r.Stats().Snapshot()["informs_answered"])
			if tc.name == "ack with an error" {
				return
			}
			assert.Zero(t, r.Stats().Snapshot()["send_errors"])
		})
	}
}

// A retried inform must give the same identity, so that the pipeline's
// event id de-duplicates it.
func TestReceiver_RetriedInformHasSameIdentity(t *testing.T) {
	for _, tc := range informCreds {
		t.Run(tc.name, func(t *testing.T) {
			c := newCollector()
			seen := 0
			c.ackWith = func(_ *Notification, ack func(error)) {
				seen++
				if seen == 2 { // lose the first: no Response, so the sender retries
					ack(nil)
				}
			}
			r := serve(t, c, append(testUsers(t), WithCommunity(testCommunity))...)
			cmd, done := startInform(t, r, tc.args, "-t", "1", "-r", "3")
			first, second := c.next(t), c.next(t)
			select {
			case err := <-done:
				require.NoError(t, err, "snmpinform: %s", cmd.Stdout)
			case <-time.After(waitFor):
				t.Fatal("snmpinform got no Response to its retry")
			}
			assert.Equal(t, first.Identity, second.Identity)
			assert.Equal(t, first.SNMP.Varbinds, second.SNMP.Varbinds)
		})
	}
}
