package syslog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// corpusPath finds the wild syslog corpus: $PBXALARM_SYSLOG_CORPUS, else
// ../shared/corpus/syslog-wild/lines.tsv beside the module root. It
// returns every place it looked.
func corpusPath(t *testing.T) (string, []string) {
	if p := os.Getenv("PBXALARM_SYSLOG_CORPUS"); p != "" {
		return p, []string{p}
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "corpus", "syslog-wild", "lines.tsv")
			if _, err := os.Stat(p); err != nil {
				return "", []string{p}
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", []string{"no go.mod above the test's directory"}
		}
		dir = parent
	}
}

type corpusRecord struct {
	source, kind string
	line         []byte
}

// readCorpus decodes lines.tsv: source TAB kind TAB line, with \\ \t \r
// \n \0 escaped in the line.
func readCorpus(path string) ([]corpusRecord, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var recs []corpusRecord
	for rec := range bytes.SplitSeq(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		f := bytes.SplitN(rec, []byte("\t"), 3)
		if len(f) != 3 {
			return nil, errors.New("record without three fields: " + string(rec))
		}
		recs = append(recs, corpusRecord{string(f[0]), string(f[1]), unescapeCorpus(f[2])})
	}
	return recs, nil
}

func unescapeCorpus(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if c, ok := map[byte]byte{'\\': '\\', 't': '\t', 'r': '\r', 'n': '\n', '0': 0}[s[i+1]]; ok {
				out = append(out, c)
				i++
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}

// TestCorpus_EveryWildRecordIsOneMessage sends every record of the wild
// corpus as one datagram and expects exactly one message with the same
// bytes for each.
func TestCorpus_EveryWildRecordIsOneMessage(t *testing.T) {
	path, looked := corpusPath(t)
	if path == "" {
		t.Skipf("wild syslog corpus not found (looked at %q; set PBXALARM_SYSLOG_CORPUS)", looked)
	}
	recs, err := readCorpus(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 300 {
		t.Fatalf("only %d records in %s", len(recs), path)
	}
	p := NewParser()
	for _, r := range recs {
		func() {
			defer func() {
				if v := recover(); v != nil {
					t.Errorf("Parse panicked on %s %q: %v", r.kind, r.line, v)
				}
			}()
			p.Parse(r.line, time.Now())
		}()
	}

	s := startUDP(t)
	for i, r := range recs {
		sendUDP(t, s.addr, r.line)
		// One at a time, so that a lost datagram is told from a dropped one.
		waitFor(t, "record "+r.source, func() bool { return s.rec.count() >= i+1 })
	}
	got := s.rec.all()
	if len(got) != len(recs) {
		t.Fatalf("%d messages for %d records", len(got), len(recs))
	}
	formats := map[string]int{}
	for i, m := range got {
		if !bytes.Equal(m.Raw, recs[i].line) {
			t.Errorf("record %d (%s): raw %q, sent %q", i, recs[i].kind, m.Raw, recs[i].line)
		}
		formats[m.Header.Format]++
	}
	t.Logf("%d records: %v", len(recs), formats)
	if snap := s.stats.Snapshot(); snap["rejected_empty"]+snap["rejected_oversize"] != 0 {
		t.Errorf("records rejected: %v", snap)
	}
}
