package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/ingest"
	"github.com/pbxalarm/pbxalarm/loadgen"
)

// pbxalarm bench against a running serve: the JSON report counts every
// message sent as arrived once; settings may come from the environment.
func TestBench_ReportsWhatArrived(t *testing.T) {
	svc := startServe(t, func(c *ingest.Config) { c.Track = false })

	t.Setenv("PBXALARM_COUNT", "300")
	var out bytes.Buffer
	err := runBench(context.Background(), []string{
		"--proto", "tcp", "--framing", "lf", "--target", svc.Addrs().SyslogTCP.String(),
		"--nats-url", svc.Addrs().NATS, "--json", "--quiet", "--validate-every", "1",
	}, &out, io.Discard)
	require.NoError(t, err)
	var r loadgen.Report
	require.NoError(t, json.Unmarshal(out.Bytes(), &r), out.String())
	assert.Equal(t, loadgen.TCP, r.Proto)
	assert.Equal(t, 300, r.Count, "from PBXALARM_COUNT")
	assert.Equal(t, 300, r.Sent)
	assert.Equal(t, 300, r.Received)
	assert.Zero(t, r.Lost)
	assert.Zero(t, r.Duplicates)
	assert.Zero(t, r.Invalid)
}

func TestBench_RejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--proto", "carrier-pigeon"}, "proto:"},
		{[]string{"--proto", "trap-v3"}, "snmp-user:"},
		{[]string{"--snmp-user", "ops:SHA:short:AES:priv-pass-1@any"}, "auth_pass"},
	} {
		err := runBench(context.Background(), tc.args, io.Discard, io.Discard)
		assert.ErrorContains(t, err, tc.want, "%v", tc.args)
	}
}
