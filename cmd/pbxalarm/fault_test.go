package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pbxalarm/pbxalarm/internal/testnats"
	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

// kill -9 of serve under load, then a restart on the same data dir: the
// spool is replayed, nothing arrives twice, every answered inform arrives,
// and syslog over TCP loses only what was in flight at the moment of the
// kill (TCP syslog has no acknowledgement a sender could resend on).
func TestBinary_Kill9UnderLoadThenRestart(t *testing.T) {
	bin := buildBinary(t)
	np := testnats.New(t)
	np.Start()
	tcpPort, snmpPort := testnet.FreePort(t, "tcp"), testnet.FreePort(t, "udp")
	tcpAddr := "127.0.0.1:" + strconv.Itoa(tcpPort)
	snmpAddr := "127.0.0.1:" + strconv.Itoa(snmpPort)
	dataDir := t.TempDir()
	var logs bytes.Buffer
	var logMu sync.Mutex
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--nats-url", np.URL(), "--data-dir", dataDir,
			"--syslog-tcp", tcpAddr, "--syslog-udp", "off", "--snmp-udp", snmpAddr, "--snmp-community", "kill9",
			"--http", "off", "--metrics", "off", "--track=false")
		w := &lockedWriter{mu: &logMu, w: &logs}
		cmd.Stdout, cmd.Stderr = w, w
		require.NoError(t, cmd.Start())
		return cmd
	}
	proc := start()
	t.Cleanup(func() { _ = proc.Process.Kill(); _, _ = proc.Process.Wait() })
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", tcpAddr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 60*time.Second, 50*time.Millisecond, "serve never listened")

	type sent struct {
		tok string
		at  time.Time
	}
	var mu sync.Mutex
	var tcpSent []sent
	var informsAnswered, informsUnanswered []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // TCP at about 1,000 lines a second, reconnecting when cut
		defer wg.Done()
		var conn net.Conn
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for n := 0; ; {
			select {
			case <-stop:
				if conn != nil {
					conn.Close()
				}
				return
			case <-tick.C:
			}
			if conn == nil {
				c, err := net.Dial("tcp", tcpAddr)
				if err != nil {
					continue
				}
				conn = c
			}
			for range 10 {
				k := fmt.Sprintf("tok-tcp-%06d", n)
				line := "<134>Nov 25 10:00:00 killhost load[1]: " + k + "\n"
				if _, err := conn.Write([]byte(line)); err != nil {
					conn.Close()
					conn = nil
					break // this line was not taken; it is sent again
				}
				mu.Lock()
				tcpSent = append(tcpSent, sent{k, time.Now()})
				mu.Unlock()
				n++
			}
		}
	}()
	go func() { // net-snmp informs, retried by snmpinform across the restart
		defer wg.Done()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			k := fmt.Sprintf("tok-inform-%06d", n)
			dir := t.TempDir()
			cmd := exec.Command("snmpinform", "-Le", "-M", dir, "-m", "", "--persistentDir="+dir,
				"-v", "2c", "-c", "kill9", "-t", "1", "-r", "8", "udp:"+snmpAddr, "",
				"1.3.6.1.4.1.1027.1.2.3.0.301", "1.3.6.1.2.1.1.5.0", "s", k)
			cmd.Env = append(os.Environ(), "HOME="+dir, "SNMPCONFPATH="+dir, "MIBS=")
			err := cmd.Run()
			mu.Lock()
			if err == nil {
				informsAnswered = append(informsAnswered, k)
			} else {
				informsUnanswered = append(informsUnanswered, k)
			}
			mu.Unlock()
		}
	}()

	time.Sleep(4 * time.Second)
	require.NoError(t, proc.Process.Signal(syscall.SIGKILL))
	_, _ = proc.Process.Wait()
	time.Sleep(500 * time.Millisecond)
	restartedAt := time.Now()
	proc = start()
	time.Sleep(4 * time.Second)
	close(stop)
	wg.Wait()

	// A graceful stop drains the spool before exiting.
	require.NoError(t, proc.Process.Signal(syscall.SIGTERM))
	state, err := proc.Process.Wait()
	require.NoError(t, err)
	logMu.Lock()
	require.True(t, state.Success(), "serve exits 0 after SIGTERM: %s", logs.String())
	logMu.Unlock()

	counts := testnats.TokenCounts(t, np.URL(), "PBX_EVENTS", regexp.MustCompile(`tok-[a-z]+-[0-9]{6}`))
	for k, n := range counts {
		assert.Equal(t, 1, n, "%s stored %d times", k, n)
	}
	for _, k := range informsAnswered {
		assert.Equal(t, 1, counts[k], "answered inform %s", k)
	}
	var lost []sent
	first, last := -1, -1
	for i, s := range tcpSent {
		if counts[s.tok] == 0 {
			lost = append(lost, s)
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	t.Logf("TCP lines sent %d, lost %d; informs answered %d, unanswered %d",
		len(tcpSent), len(lost), len(informsAnswered), len(informsUnanswered))
	require.NotEmpty(t, informsAnswered)
	require.Greater(t, len(tcpSent), 1000, "the load ran")
	// Only what was on its way at the kill: one run of consecutive lines,
	// all written into the killed process's socket, none after the restart.
	if len(lost) > 0 {
		assert.Equal(t, len(lost), last-first+1, "lost lines are not one consecutive run: %v", lost)
		for _, s := range lost {
			assert.True(t, s.at.Before(restartedAt), "%s lost although written after the restart", s.tok)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
