package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The container image is the binary alone, FROM scratch, with no
// zoneinfo. With every directory Go reads zones from hidden (an empty
// tmpfs over each, in a mount namespace of the command's own), serve
// --check still knows the zones --timezone and timezones: name. That
// needs root with CAP_SYS_ADMIN, as the disk-full tests do; CI has both.
func TestBinary_KnowsTimeZonesWithoutTheHostsZoneinfo(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("hiding the host's zoneinfo needs root")
	}
	if out, err := exec.Command("unshare", "--mount", "true").CombinedOutput(); err != nil {
		t.Skipf("a mount namespace is not permitted here: %v: %s", err, out)
	}
	bin := buildBinary(t)
	conf := filepath.Join(t.TempDir(), "pbxalarm.yaml")
	require.NoError(t, os.WriteFile(conf, []byte("timezones:\n  10.40.0.0/16: America/New_York\n"), 0o600))

	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err)
	// The directories of Go's time.platformZoneSources, and the
	// toolchain's zoneinfo.zip, which a binary built here also finds.
	script := `for d in /usr/share/zoneinfo /usr/share/lib/zoneinfo /usr/lib/locale/TZ /etc/zoneinfo "$GOROOT/lib/time"; do
  if [ -d "$d" ]; then mount -t tmpfs none "$d" || exit 99; fi
done
test ! -e /usr/share/zoneinfo/America/New_York || exit 98
test ! -e "$GOROOT/lib/time/zoneinfo.zip" || exit 98
unset GOROOT
exec "$@"`
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
		bin, "serve", "--check", "--config", conf, "--timezone", "Europe/London", "--data-dir", t.TempDir())
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "GOROOT=" + strings.TrimSpace(string(goroot))} // no TZ, no ZONEINFO
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && (ee.ExitCode() == 99 || ee.ExitCode() == 98) {
		t.Fatalf("could not hide the host's zoneinfo: %s", out)
	}
	require.NoError(t, err, "serve --check with no zoneinfo on the host: %s", out)
	require.Contains(t, string(out), "configuration ok")
}
