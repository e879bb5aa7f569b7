package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testcert"
	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pbxalarm.yaml")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
	return p
}

// Flag beats environment beats file beats default.
func TestServeConfig_Precedence(t *testing.T) {
	file := writeConfig(t, `
syslog-udp: "127.0.0.1:1001"
syslog-tcp: "127.0.0.1:1002"
subject-prefix: fromfile
idle-timeout: 90s
systems:
  10.1.2.3: MIVB-HQ
  10.2.0.0/16: branch
timezones:
  10.2.0.0/16: America/New_York
snmp-community: [public, "ops@10.0.0.0/8"]
snmp-users:
  - {name: ops, auth: SHA, auth_pass: authpass123, priv: AES, priv_pass: privpass123, engine_id: any}
`)
	t.Setenv("PBXALARM_SYSLOG_TCP", "127.0.0.1:2002")
	t.Setenv("PBXALARM_SUBJECT_PREFIX", "fromenv")
	cfg, _, err := loadServeConfig([]string{"--config", file, "--subject-prefix", "fromflag"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:1001", cfg.SyslogUDP, "file beats default")
	assert.Equal(t, "127.0.0.1:2002", cfg.SyslogTCP, "env beats file")
	assert.Equal(t, "fromflag", cfg.SubjectPrefix, "flag beats env")
	assert.Equal(t, 90*time.Second, cfg.IdleTimeout)
	assert.Equal(t, map[string]string{"10.1.2.3": "MIVB-HQ", "10.2.0.0/16": "branch"}, cfg.Systems)
	assert.Equal(t, map[string]string{"10.2.0.0/16": "America/New_York"}, cfg.Timezones)
	assert.Equal(t, []string{"public", "ops@10.0.0.0/8"}, cfg.SNMPCommunities)
	require.Len(t, cfg.SNMPUsers, 1)
	assert.Equal(t, "ops", cfg.SNMPUsers[0].Name)
	assert.Equal(t, "off", cfg.SyslogTLS, "default kept")
}

func TestServeConfig_ConfigFileFromEnvironment(t *testing.T) {
	t.Setenv("PBXALARM_CONFIG", writeConfig(t, "subject-prefix: viaenvfile\n"))
	cfg, _, err := loadServeConfig(nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "viaenvfile", cfg.SubjectPrefix)
}

func TestServeConfig_RepeatableFlagFromEnvironment(t *testing.T) {
	t.Setenv("PBXALARM_SNMP_COMMUNITY", "public, private")
	cfg, _, err := loadServeConfig(nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []string{"public", "private"}, cfg.SNMPCommunities)
}

// Every error names the field at fault.
func TestServeConfig_ErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		args       []string
		want       string
	}{
		{"unknown yaml key", "syslog-udpp: :1\n", nil, "syslog-udpp: unknown field"},
		{"bad address", "", []string{"--syslog-udp", "nonsense"}, "syslog-udp:"},
		{"tls without cert", "", []string{"--syslog-tls", "on"}, "tls-cert: required"},
		{"bad prefix", "", []string{"--subject-prefix", "pbx.>"}, "subject-prefix:"},
		{"bad system cidr", "systems:\n  10.0.0.0/99: x\n", nil, "systems:"},
		{"bad timezone", "timezone: Mars/Olympus\n", nil, "timezone:"},
		{"bad timezones zone", "timezones:\n  10.0.0.0/8: Mars/Olympus\n", nil, "timezones: 10.0.0.0/8:"},
		{"bad timezones cidr", "timezones:\n  10.0.0.0/99: UTC\n", nil, "timezones:"},
		{"timezones not a mapping", "timezones: [UTC]\n", nil, "timezones:"},
		{"bad duration in file", "idle-timeout: soon\n", nil, "idle-timeout"},
		{"list for scalar", "subject-prefix: [a, b]\n", nil, "subject-prefix: takes one value"},
		{"bad snmp user", "", []string{"--snmp-user", "ops:SHA:short:none:@any"}, "snmp-user"},
		{"bad engine id", "", []string{"--snmp-engine-id", "zz"}, "snmp-engine-id:"},
		{"bad frame size", "", []string{"--max-frame-size", "10"}, "max-frame-size:"},
		{"bad metrics address", "", []string{"--metrics", "9464"}, "metrics:"},
		{"bad log level", "", []string{"--log-level", "chatty"}, "log-level:"},
		{"stray argument", "", []string{"extra"}, "unexpected arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.file != "" {
				args = append([]string{"--config", writeConfig(t, tc.file)}, args...)
			}
			_, _, err := loadServeConfig(args, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestServeConfig_LogstreamsCommaSeparatedOrRepeated(t *testing.T) {
	cfg, _, err := loadServeConfig([]string{"--logstream", "10.0.0.1:1751,HQ=10.0.0.2:1751", "--logstream", "10.0.0.3:1751"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.1:1751", "HQ=10.0.0.2:1751", "10.0.0.3:1751"}, cfg.Logstreams)
	_, _, err = loadServeConfig([]string{"--logstream", "=10.0.0.2:1751"}, io.Discard)
	assert.ErrorContains(t, err, "logstream:")
}

func TestServeConfig_Metrics(t *testing.T) {
	cfg, _, err := loadServeConfig(nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, ":9464", cfg.Metrics, "on by default")
	t.Setenv("PBXALARM_METRICS", "off")
	cfg, _, err = loadServeConfig(nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "off", cfg.Metrics)
	cfg, _, err = loadServeConfig([]string{"--metrics", "127.0.0.1:19464"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:19464", cfg.Metrics)
}

func TestServeConfig_TLSOnMeansDefaultPort(t *testing.T) {
	cfg, _, err := loadServeConfig([]string{"--syslog-tls", "on", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, ":6514", cfg.SyslogTLS)
}

func TestServeConfig_AdmissionFlags(t *testing.T) {
	cfg, _, err := loadServeConfig([]string{"--syslog-allow", "10.0.0.0/8,192.0.2.7", "--syslog-allow", "2001:db8::/32",
		"--rate-limit", "50", "--rate-burst", "200"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.0/8", "192.0.2.7", "2001:db8::/32"}, cfg.SyslogAllow)
	assert.Empty(t, cfg.SNMPAllow, "default: any sender")
	assert.Equal(t, 50.0, cfg.RateLimit)
	assert.Equal(t, 200, cfg.RateBurst)

	t.Setenv("PBXALARM_SNMP_ALLOW", "10.1.0.0/16, 10.2.0.1")
	cfg, _, err = loadServeConfig([]string{"--config", writeConfig(t, "syslog-allow: [10.3.0.0/16]\nrate-limit: 0.5\n")}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []string{"10.1.0.0/16", "10.2.0.1"}, cfg.SNMPAllow)
	assert.Equal(t, []string{"10.3.0.0/16"}, cfg.SyslogAllow)
	assert.Equal(t, 0.5, cfg.RateLimit)

	cfg, _, err = loadServeConfig(nil, io.Discard)
	require.NoError(t, err)
	assert.Zero(t, cfg.RateLimit, "default: unlimited")
	assert.Zero(t, cfg.RateBurst)

	_, _, err = loadServeConfig([]string{"--snmp-allow", "10.0.0.0/33"}, io.Discard)
	assert.ErrorContains(t, err, "snmp-allow:")
	_, _, err = loadServeConfig([]string{"--rate-burst", "5"}, io.Discard)
	assert.ErrorContains(t, err, "rate-burst:")
}

// A malformed SNMPv3 user is refused wherever it comes from, without its
// passphrases in the error or on stderr (the flag package would quote the
// whole value).
func TestServeConfig_BadUserNeverEchoesPassphrases(t *testing.T) {
	const secret = "s3cr3t" // too short, so the user is refused
	for _, tc := range []struct {
		name string
		args []string
		env  string
		file string
	}{
		{"flag", []string{"--snmp-user", "ops:SHA:" + secret + ":none:@any"}, "", ""},
		{"flag, bad form", []string{"--snmp-user", "ops:SHA:" + secret + "-long-enough"}, "", ""},
		{"read-user flag", []string{"--snmp-read-user", "ops:SHA:" + secret + ":AES:" + secret + "@any"}, "", ""},
		{"environment", nil, "ops:SHA:" + secret + ":none:@any", ""},
		{"file", nil, "", "snmp-user: [\"ops:SHA:" + secret + ":none:@any\"]\n"},
		{"file, structured", nil, "", "snmp-users:\n  - {name: ops, auth: SHA, auth_pass: " + secret + "}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.env != "" {
				t.Setenv("PBXALARM_SNMP_USER", tc.env)
			}
			if tc.file != "" {
				args = append([]string{"--config", writeConfig(t, tc.file)}, args...)
			}
			var stderr bytes.Buffer
			_, _, err := loadServeConfig(args, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "snmp-")
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, stderr.String(), secret)
		})
	}
}

// serve --check reads the configuration and the files it names, says so
// and returns without binding anything; what does not load is an error
// naming its flag.
func TestServe_CheckReadsFilesAndBindsNothing(t *testing.T) {
	certs := testcert.New(t)
	port := testnet.FreePort(t, "tcp")
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := []string{"--check", "--syslog-tcp", addr, "--syslog-udp", "off", "--snmp-udp", "off", "--http", "off", "--metrics", "off",
		"--syslog-tls", "127.0.0.1:0", "--tls-cert", certs.CertFile, "--tls-key", certs.KeyFile, "--data-dir", t.TempDir()}
	var out bytes.Buffer
	require.NoError(t, runServe(context.Background(), args, &out, io.Discard))
	assert.Equal(t, "configuration ok\n", out.String())
	l, err := net.Listen("tcp", addr)
	require.NoError(t, err, "--check bound the syslog port")
	l.Close()

	out.Reset()
	bad := append(args[:len(args):len(args)], "--tls-key", filepath.Join(t.TempDir(), "gone.pem"))
	err = runServe(context.Background(), bad, &out, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tls-key")
	assert.Empty(t, out.String())
}

// --check asks for an action, not a setting: neither the environment nor
// the config file can turn it on (serve would then never start).
func TestServe_CheckIsCommandLineOnly(t *testing.T) {
	t.Setenv("PBXALARM_CHECK", "true")
	_, _, check, _, err := parseServe(nil, io.Discard)
	require.NoError(t, err)
	assert.False(t, check, "PBXALARM_CHECK turned --check on")
	t.Setenv("PBXALARM_CHECK", "")
	_, _, _, _, err = parseServe([]string{"--config", writeConfig(t, "check: true\n")}, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "check: unknown field")
	_, _, check, _, err = parseServe([]string{"--check"}, io.Discard)
	require.NoError(t, err)
	assert.True(t, check)
}
