package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/ingest"
	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

// health against a running serve: ready and alive answer 0 with the
// endpoint's word; the port given as serve's ":port" form is this host.
func TestHealth_ReadyServe(t *testing.T) {
	port := testnet.FreePort(t, "tcp")
	metrics := ":" + strconv.Itoa(port)
	startServe(t, func(c *ingest.Config) { c.Metrics = metrics })

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--metrics", metrics}, "ready"},
		{[]string{"--metrics", "127.0.0.1:" + strconv.Itoa(port), "--live"}, "ok"},
	} {
		var out bytes.Buffer
		require.Eventually(t, func() bool {
			out.Reset()
			return runHealth(context.Background(), tc.args, &out, io.Discard) == nil
		}, 30*time.Second, 50*time.Millisecond, "health %v never succeeded", tc.args)
		assert.Equal(t, tc.want+"\n", out.String())
	}
}

// Not ready, nothing listening, metrics off: each is an error that says
// why, so the process exits 1.
func TestHealth_FailuresSayWhy(t *testing.T) {
	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		// What serve's /readyz answers when it cannot store.
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "not ready: embedded NATS cannot store: disk full\n")
	}))
	defer notReady.Close()
	for _, tc := range []struct {
		name, metrics, want string
	}{
		{"not ready", strings.TrimPrefix(notReady.URL, "http://"), "503 Service Unavailable not ready: embedded NATS cannot store: disk full"},
		{"nothing listening", "127.0.0.1:" + strconv.Itoa(testnet.FreePort(t, "tcp")), "connection refused"},
		{"metrics off", "off", "metrics endpoint is off"},
		{"no port", "localhost", "missing port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := runHealth(context.Background(), []string{"--metrics", tc.metrics, "--timeout", "5s"}, &out, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Empty(t, out.String())
		})
	}
}
