package publish

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testlog"
	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

// debianNATSServer finds Debian's nats-server (it installs to /usr/sbin,
// which a non-root PATH may lack).
func debianNATSServer(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/nats-server", "/usr/bin/nats-server"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("nats-server not found: install Debian's nats-server package (apt-get install nats-server); CI installs it")
	return ""
}

// startExternal runs the nats-server binary as a child with JetStream and
// waits until it accepts TCP connections.
func startExternal(t *testing.T, bin string) string {
	t.Helper()
	port := testnet.FreePort(t, "tcp")
	cmd := exec.Command(bin, "-js", "-sd", t.TempDir(), "-a", "127.0.0.1", "-p", strconv.Itoa(port))
	var out testlog.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return "nats://" + addr
		}
		select {
		case err := <-exited:
			t.Fatalf("%s exited before listening: %v\n%s", bin, err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not listening on %s after 20s:\n%s", bin, addr, out.String())
		}
	}
}

func TestPublisher_InteropDebianNATSServer(t *testing.T) {
	bin := debianNATSServer(t)
	version, err := exec.Command(bin, "--version").CombinedOutput()
	require.NoError(t, err)
	t.Logf("external server: %s", bytes.TrimSpace(version))

	url := startExternal(t, bin)
	_, js := connect(t, url)
	ensureStream(t, js)
	ensureStream(t, js) // the update path too
	p := newPublisher(t, js)

	const n = 10_000
	dl := newDoneLog()
	publishN(t, p, dl, "interop", n)
	closePublisher(t, p)

	requireDoneOnce(t, dl, "interop", n)
	requireExactlyOnce(t, storedIDs(t, js, DefaultStreamName), map[string]int{"interop": n})
	require.EqualValues(t, n, p.Stats().Acked, fmt.Sprintf("%+v", p.Stats()))
}
