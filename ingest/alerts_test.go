package ingest

import (
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/pbxalarm/pbxalarm/internal/testcert"
)

const alertsDir = "../deploy/prometheus"

// The shipped alerting rules pass promtool's check and its unit tests
// (pbxalarm-alerts_test.yml), and every metric they use is one a running
// serve exposes: a renamed metric breaks this test, not an operator's
// alerts in silence.
func TestAlertRules_PromtoolAndTheMetricsTheyUse(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool is required (Debian prometheus); .ci/run installs it: ", err)
	}
	for _, args := range [][]string{
		{"check", "rules", "pbxalarm-alerts.yml"},
		{"test", "rules", "pbxalarm-alerts_test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = alertsDir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "promtool %v:\n%s", args, out)
	}

	b, err := os.ReadFile(alertsDir + "/pbxalarm-alerts.yml")
	require.NoError(t, err)
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	require.NoError(t, yaml.Unmarshal(b, &rules))
	var used []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			used = append(used, regexp.MustCompile(`pbxalarm_[a-z0-9_]+`).FindAllString(r.Expr, -1)...)
		}
	}
	slices.Sort(used)
	used = slices.Compact(used)
	require.NotEmpty(t, used)

	// A serve with everything the rules look at: syslog UDP and TLS, the
	// embedded store, the tracker, and a PBX in violation.
	certs := testcert.New(t)
	cfg := testConfig(t)
	cfg.Metrics = "127.0.0.1:0"
	cfg.Track = true
	cfg.SyslogTLS, cfg.TLSCert, cfg.TLSKey = "127.0.0.1:0", certs.CertFile, certs.KeyFile
	r := startService(t, cfg)
	conn, err := net.Dial("tcp", r.svc.Addrs().SyslogTCP.String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("<132>Aug 23 09:00:00 MIVB-HQ MiVB: MAINT 004713 Warning 2020/08/23 09:00:00 src=LicenseMgr mod=LMS: License Violation - level Minor, day 3; cause: Security Certificate Update not installed; first detected 2020/08/21 09:00:00\n"))
	require.NoError(t, err)
	var m scrape
	require.Eventually(t, func() bool {
		m = scrapeMetrics(t, r.svc)
		_, ok := m.sample("pbxalarm_licence_level", "system", "mivb-hq")
		return ok
	}, 30*time.Second, 50*time.Millisecond, "the licence state never reached the metrics")
	for _, name := range used {
		assert.Contains(t, m, name, "the rules use %s, which serve does not expose", name)
	}
}
