package syslog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// framed is what the framer produced for one frame: a frame or a
// rejection.
type framed struct {
	data, framing string
	truncated     bool
	rejected      string
}

func (f framed) String() string {
	if f.rejected != "" {
		return "rejected " + f.rejected
	}
	return fmt.Sprintf("%s %q truncated=%v", f.framing, f.data, f.truncated)
}

// frameAll runs the framer to the end of r.
func frameAll(t testing.TB, r io.Reader, max int) []framed {
	t.Helper()
	f := newFramer(r, max)
	var out []framed
	for range 10000 {
		fr, err := f.next()
		if fe, ok := asFrameError(err); ok {
			out = append(out, framed{rejected: fe.reason})
			continue
		}
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		out = append(out, framed{data: string(fr.data), framing: fr.framing, truncated: fr.truncated})
	}
	t.Fatal("framer did not reach the end of the stream")
	return nil
}

func lf(s string) framed  { return framed{data: s, framing: FramingLF} }
func nul(s string) framed { return framed{data: s, framing: FramingNUL} }
func oc(s string) framed  { return framed{data: s, framing: FramingOctetCounting} }
func rejected(r string) framed {
	return framed{rejected: r}
}
func truncated(f framed) framed { f.truncated = true; return f }

func TestFramer_SplitsFrames(t *testing.T) {
	long := strings.Repeat("x", 40)
	tests := []struct {
		name string
		in   string
		max  int
		want []framed
	}{
		{"lf", "<13>a\n<13>b\n", 0, []framed{lf("<13>a"), lf("<13>b")}},
		{"crlf: the CR is part of the terminator", "<13>a\r\n<13>b\r\n", 0, []framed{lf("<13>a"), lf("<13>b")}},
		{"a lone CR stays", "<13>a\rb\n", 0, []framed{lf("<13>a\rb")}},
		{"nul", "<13>a\x00<13>b\x00", 0, []framed{nul("<13>a"), nul("<13>b")}},
		{"no terminator at the end: delivered at EOF", "<13>a\n<13>tail", 0, []framed{lf("<13>a"), truncated(lf("<13>tail"))}},
		{"octet-framed", "41 <120> 2011-03-01T11:22:12Z host msgnum:1\n", 0,
			[]framed{oc("<120> 2011-03-01T11:22:12Z host msgnum:1\n")}},
		{"octet-framed count covers CR LF", "53 <2>Oct 11 22:14:15 myhostname sshd[1234]: message 0\r\n", 0,
			[]framed{oc("<2>Oct 11 22:14:15 myhostname sshd[1234]: message 0\r\n")}},
		{"octet-framed without PRI", "46 my custom syslog message without any timestamp", 0,
			[]framed{oc("my custom syslog message without any timestamp")}},
		{"octet-framed LF inside", "28 <1>3 - - - - - - hello\nworld", 0, []framed{oc("<1>3 - - - - - - hello\nworld")}},
		{"octet-stream", "16 <1>1 - - - - - -17 <2>12 A B C D E -", 0,
			[]framed{oc("<1>1 - - - - - -"), oc("<2>12 A B C D E -")}},
		{"octet-stream then junk", "16 <1>1 - - - - - -xaaa", 0,
			[]framed{oc("<1>1 - - - - - -"), truncated(lf("xaaa"))}},
		{"octet-stream three frames", "16 <1>2 - - - - - -17 <4>11 - - - - - -", 0,
			[]framed{oc("<1>2 - - - - - -"), oc("<4>11 - - - - - -")}},
		{"mixed framings on one stream", "7 <13>abc<13>lf\n<13>nul\x0012 <13>counted\n<13>end\n", 0,
			[]framed{oc("<13>abc"), lf("<13>lf"), nul("<13>nul"), oc("<13>counted\n"), lf("<13>end")}},
		{"octet-framed-bad: absurd count keeps its bytes", "214000000000 <120> 2011-03-01T11:22:12Z host msgnum:1\n", 0,
			[]framed{lf("214000000000 <120> 2011-03-01T11:22:12Z host msgnum:1")}},
		{"octet-framed-bad: zero count keeps its bytes", "0 <120> 2011-03-01T11:22:12Z host msgnum:1\n", 0,
			[]framed{lf("0 <120> 2011-03-01T11:22:12Z host msgnum:1")}},
		{"octet-framed-bad: count without space", "46<13>raw message left intact\n", 0,
			[]framed{lf("46<13>raw message left intact")}},
		{"octet-framed-bad: count larger than the data", "16 <1>1", 0, []framed{truncated(oc("<1>1"))}},
		{"octet-framed-bad: count and nothing else", "16 ", 0, []framed{truncated(oc(""))}},
		{"octet-framed-bad: digits at EOF", "123", 0, []framed{truncated(lf("123"))}},
		{"octet-framed-bad: eleven digits", "12345678901 x\n", 0, []framed{lf("12345678901 x")}},
		{"octet-framed-bad: count too short splits the message", "16 <1>217 <11>1 - - - - - -", 0,
			[]framed{oc("<1>217 <11>1 - -"), truncated(lf(" - - - -"))}},
		{"empty frames are rejected", "\n\r\n\x00<13>a\n", 0,
			[]framed{rejected(ReasonEmpty), rejected(ReasonEmpty), rejected(ReasonEmpty), lf("<13>a")}},
		{"oversize lf frame skipped to its LF", "<13>a\n" + long + "\n<13>b\n", 16,
			[]framed{lf("<13>a"), rejected(ReasonOversize), lf("<13>b")}},
		{"oversize nul frame skipped to its NUL", "<13>a\n" + long + "\x00<13>b\n", 16,
			[]framed{lf("<13>a"), rejected(ReasonOversize), lf("<13>b")}},
		{"oversize octet frame skipped by its count", "5 <13>a40 " + long + "5 <13>b", 16,
			[]framed{oc("<13>a"), rejected(ReasonOversize), oc("<13>b")}},
		{"oversize octet frame cut by EOF", "5 <13>a40 xx", 16, []framed{oc("<13>a"), rejected(ReasonOversize)}},
		{"oversize frame without terminator at EOF", "<13>a\n" + long, 16, []framed{lf("<13>a"), rejected(ReasonOversize)}},
		{"frame of exactly max with CR LF", "<13>456789012345\r\n<13>b\n", 16,
			[]framed{lf("<13>456789012345"), lf("<13>b")}},
		{"frame of max+1", "<13>4567890123456\n<13>b\n", 16, []framed{rejected(ReasonOversize), lf("<13>b")}},
	}
	readers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
		"data+EOF": iotest.DataErrReader,
	}
	for _, tt := range tests {
		for rname, wrap := range readers {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				max := tt.max
				if max == 0 {
					max = DefaultMaxFrameSize
				}
				got := frameAll(t, wrap(strings.NewReader(tt.in)), max)
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("frames of %q:\n got %v\nwant %v", tt.in, got, tt.want)
				}
			})
		}
	}
}

func TestFramer_OversizeFramesOfOneMiB(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 1<<20)
	tests := []struct {
		name string
		in   []byte
	}{
		{"lf", append(append([]byte("<13>before\n"), big...), "\n<13>after\n"...)},
		{"octet-counted", append(append([]byte("<13>before\n1048576 "), big...), "<13>after\n"...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := frameAll(t, iotest.HalfReader(bytes.NewReader(tt.in)), 8<<10)
			want := []framed{lf("<13>before"), rejected(ReasonOversize), lf("<13>after")}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestFramer_NeverAllocatesAnnouncedSize(t *testing.T) {
	f := newFramer(strings.NewReader("60000000 <13>x\n"), 1024)
	fr, err := f.next()
	if fe, ok := asFrameError(err); !ok || fe.reason != ReasonOversize {
		t.Fatalf("next = %v, %v; want an oversize rejection", fr, err)
	}
	if cap(f.buf) > 2048 {
		t.Errorf("buffer grew to %d bytes for a 1 KiB maximum", cap(f.buf))
	}
}

func TestFramer_ReaderErrorAfterFrames(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("<13>a\n<13>partial"), iotest.ErrReader(boom))
	f := newFramer(r, 1024)
	var got []string
	for {
		fr, err := f.next()
		if err != nil {
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want boom", err)
			}
			break
		}
		got = append(got, string(fr.data))
	}
	if fmt.Sprint(got) != "[<13>a <13>partial]" {
		t.Errorf("frames before the error = %q", got)
	}
}
