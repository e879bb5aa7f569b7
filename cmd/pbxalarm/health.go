package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/pbxalarm/pbxalarm/ingest"
)

// runHealth asks a running serve whether it is ready (/readyz) or, with
// --live, alive (/healthz): the probe for a container's HEALTHCHECK or an
// exec probe, where the image has no HTTP client of its own. It reads the
// same --metrics setting (and PBXALARM_METRICS) as serve.
func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := newOptions("health")
	o.fs.SetOutput(stderr)
	metrics := ingest.Defaults().Metrics
	live := false
	timeout := 3 * time.Second
	o.fs.StringVar(&metrics, "metrics", metrics, "serve's --metrics address; an empty host means this host")
	o.fs.BoolVar(&live, "live", false, "ask /healthz (the process answers) instead of /readyz (it can take and store messages)")
	o.fs.DurationVar(&timeout, "timeout", timeout, "how long to wait for the answer")
	if err := o.load(args); err != nil {
		return err
	}
	if strings.EqualFold(metrics, ingest.Off) {
		return fmt.Errorf("health: serve's metrics endpoint is off (--metrics off): nothing to ask")
	}
	host, port, err := net.SplitHostPort(metrics)
	if err != nil {
		return fmt.Errorf("health: --metrics %q: %w", metrics, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	path := "/readyz"
	if live {
		path = "/healthz"
	}
	url := "http://" + net.JoinHostPort(host, port) + path
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("health: read %s: %w", url, err)
	}
	answer := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s: %s %s", url, resp.Status, answer)
	}
	_, err = fmt.Fprintln(stdout, answer)
	return err
}
