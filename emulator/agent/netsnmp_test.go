package agent

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the expected outputs in testdata")

// netsnmpOptions make net-snmp's clients print numeric OIDs and values
// without loading any MIB file or user configuration, and give up fast.
var netsnmpOptions = []string{"-M", "/dev/null", "-m", "", "-On", "-Oe", "-r", "0", "-t", "5"}

// TestNetSNMPClients_GetExpectedOutput runs net-snmp's own clients
// (snmpget, snmpgetnext, snmpwalk, snmpbulkget, snmpbulkwalk, snmpset)
// against an agent serving the MiVB-like fixture table. Each folder in
// testdata/netsnmp holds a command line (cmd) and what it must print
// (expected.out); -update rewrites the latter.
func TestNetSNMPClients_GetExpectedOutput(t *testing.T) {
	dirs, err := filepath.Glob("testdata/netsnmp/*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	home := t.TempDir()
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			a := startAgent(t, loadTable(t, "testdata/mivb-table.txt"))
			cmdline, err := os.ReadFile(filepath.Join(dir, "cmd"))
			require.NoError(t, err)
			got := runNetSNMP(t, home, strings.Fields(string(cmdline)), a.Addr().String())
			checkGolden(t, filepath.Join(dir, "expected.out"), got)

			st := a.Stats()
			assert.Zero(t, st.Malformed.Load()+st.BadCommunity.Load()+st.BadPDU.Load()+st.Unanswered.Load(),
				"every request is well formed and answered: %v", st.Snapshot())
			tool := strings.Fields(string(cmdline))[0]
			switch tool {
			case "snmpwalk", "snmpgetnext":
				assert.NotZero(t, st.GetNexts.Load(), "%s uses GETNEXT", tool)
			case "snmpbulkwalk", "snmpbulkget":
				assert.NotZero(t, st.GetBulks.Load(), "%s uses GETBULK", tool)
				assert.Zero(t, st.GetNexts.Load(), "%s uses no GETNEXT", tool)
			}
		})
	}
}

// runNetSNMP runs one net-snmp client and returns its exit status, stdout
// and stderr as one text.
func runNetSNMP(t *testing.T, home string, args []string, agent string) string {
	t.Helper()
	require.NotEmpty(t, args)
	full := append([]string{}, netsnmpOptions...)
	for _, a := range args[1:] {
		full = append(full, strings.ReplaceAll(a, "{agent}", agent))
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], full...)
	cmd.Env = append(os.Environ(), "HOME="+home, "SNMPCONFPATH="+home, "MIBS=", "MIBDIRS=/dev/null")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	status := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		status = exit.ExitCode()
	} else {
		require.NoError(t, err, "run %s", args[0])
	}
	return fmt.Sprintf("exit status: %d\nstdout:\n%sstderr:\n%s", status, stdout.String(), stderr.String())
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no expected output: run go test -update")
	assert.Equal(t, string(want), got)
}
