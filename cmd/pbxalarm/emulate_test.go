package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEmulate_ListAndShow(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, runEmulate(context.Background(), []string{"--list"}, &out, &out))
	for _, name := range []string{"cert-2020", "overuse", "expired", "mixed"} {
		assert.Contains(t, out.String(), name)
	}
	out.Reset()
	require.NoError(t, runEmulate(context.Background(), []string{"--show", "overuse"}, &out, &out))
	assert.Contains(t, out.String(), "name: overuse")
}

// emulate sends real syslog to a receiver, reports progress as log lines
// when not on a terminal, prints the summary and writes the expectations.
func TestEmulate_InstantRunToATCPReceiver(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	got := make(chan string, 100000)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					got <- sc.Text()
				}
			}()
		}
	}()
	expect := filepath.Join(t.TempDir(), "expected.jsonl")
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = runEmulate(ctx, []string{"--scenario", "overuse", "--instant", "--fleet", "3", "--linger", "0s",
		"--syslog", "tcp://" + l.Addr().String(), "--progress", "lines", "--expect", expect}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", &stderr)
	assert.Contains(t, stdout.String(), "total: sent syslog")
	assert.Contains(t, stderr.String(), "progress ", "progress lines when not on a terminal")
	b, err := os.ReadFile(expect)
	require.NoError(t, err)
	lines := strings.Count(string(b), "\n")
	require.NotZero(t, lines)
	require.Eventually(t, func() bool { return len(got) >= lines }, 10*time.Second, 10*time.Millisecond,
		"the receiver got %d of %d lines", len(got), lines)
	first := <-got
	assert.Regexp(t, `^<1[23][0-9]>[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \S+ MiVB: `, first, "RFC 3164 from a MiVB")
}

func TestEmulate_BadFlagsNameTheField(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--scenario", "no-such-scenario"}, "no-such-scenario"},
		{[]string{"--start", "yesterday"}, "start:"},
		{[]string{"--snmp-user", "x:SHA:short:none:@any"}, "snmp-user"},
		{[]string{"--progress", "sometimes"}, "progress:"},
	} {
		var out bytes.Buffer
		err := runEmulate(context.Background(), tc.args, &out, &out)
		require.Error(t, err, "%v", tc.args)
		assert.Contains(t, err.Error(), tc.want)
	}
}
