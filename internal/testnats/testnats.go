// Package testnats runs Debian's nats-server binary for fault tests: a real
// server process that a test can stop and start again on the same port and
// store, and reads back what a stream holds.
package testnats

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pbxalarm/pbxalarm/internal/testnet"
)

// Proc is one nats-server process with JetStream, restartable as the same
// server.
type Proc struct {
	// Conf, when set before Start, is the server's configuration file
	// text; the port and store given on the command line still apply.
	Conf string
	// ReadyOptions are the client options Start uses to see that the
	// server is up (credentials, TLS) when Conf requires them.
	ReadyOptions []nats.Option

	t    testing.TB
	bin  string
	port string
	dir  string
	cmd  *exec.Cmd
}

// New finds the binary and picks a port and store; the server is not
// started. It is stopped when the test ends.
func New(t testing.TB) *Proc {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		bin = "/usr/sbin/nats-server" // Debian's location, not always on PATH
		if _, err := os.Stat(bin); err != nil {
			t.Fatal("the nats-server binary is required (Debian package nats-server); .ci/run installs it")
		}
	}
	port := strconv.Itoa(testnet.FreePort(t, "tcp"))
	p := &Proc{t: t, bin: bin, port: port, dir: t.TempDir()}
	t.Cleanup(p.Stop)
	return p
}

// URL is the server's client URL.
func (p *Proc) URL() string { return "nats://127.0.0.1:" + p.port }

// Start starts the server and waits until JetStream answers.
func (p *Proc) Start() {
	p.t.Helper()
	args := []string{"-js", "-sd", p.dir, "-a", "127.0.0.1", "-p", p.port}
	if p.Conf != "" {
		conf := filepath.Join(p.dir, "nats-server.conf")
		if err := os.WriteFile(conf, []byte(p.Conf), 0o600); err != nil {
			p.t.Fatal(err)
		}
		args = append(args, "-c", conf)
	}
	cmd := exec.Command(p.bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("nats-server: %v", err)
	}
	p.cmd = cmd
	deadline := time.Now().Add(20 * time.Second)
	for !p.Ready(p.ReadyOptions...) {
		if time.Now().After(deadline) {
			p.t.Fatalf("nats-server did not start: %s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Ready reports whether a client with opts reaches JetStream.
func (p *Proc) Ready(opts ...nats.Option) bool {
	nc, err := nats.Connect(p.URL(), append([]nats.Option{nats.Timeout(200 * time.Millisecond)}, opts...)...)
	if err != nil {
		return false
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = js.AccountInfo(ctx)
	return err == nil
}

// Stop ends the server as an operator would (SIGTERM) and waits for it.
func (p *Proc) Stop() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
	p.cmd = nil
}

// StreamMsgs is how many messages stream holds at url, or 0 when it
// cannot be asked.
func StreamMsgs(url, stream string) uint64 {
	nc, err := nats.Connect(url, nats.Timeout(time.Second))
	if err != nil {
		return 0
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0
	}
	return info.State.Msgs
}

// TokenCounts reads the whole stream and counts, for every match of re in
// a message, the messages holding it (a match repeated inside one message
// counts once). A failure to read fails the test.
func TokenCounts(t testing.TB, url, stream string, re *regexp.Regexp) map[string]int {
	t.Helper()
	counts, err := ReadTokenCounts(url, stream, re)
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

// ReadTokenCounts is TokenCounts returning its error, for a test that
// reads while the server may still be settling.
func ReadTokenCounts(url, stream string, re *regexp.Regexp) (map[string]int, error) {
	nc, err := nats.Connect(url)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", stream, err)
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", stream, err)
	}
	counts := map[string]int{}
	for read := uint64(0); read < info.State.Msgs; {
		batch, err := c.Fetch(int(min(info.State.Msgs-read, 1000)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, fmt.Errorf("stream %s: fetch: %w", stream, err)
		}
		for m := range batch.Messages() {
			read++
			seen := map[string]bool{}
			for _, tok := range re.FindAll(m.Data(), -1) {
				if !seen[string(tok)] {
					seen[string(tok)] = true
					counts[string(tok)]++
				}
			}
		}
		if err := batch.Error(); err != nil {
			return nil, fmt.Errorf("stream %s: %w", stream, err)
		}
	}
	return counts, nil
}
