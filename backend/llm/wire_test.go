package llm

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// pieceReader hands out its data in pieces whose sizes come from cuts, to
// put read boundaries everywhere a network could.
type pieceReader struct {
	data []byte
	cuts []byte
	i    int
}

func (r *pieceReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := len(r.data)
	if len(r.cuts) > 0 {
		n = min(n, int(r.cuts[r.i%len(r.cuts)])%11+1)
		r.i++
	}
	n = copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

func readSSE(r io.Reader) ([]sseEvent, error) {
	s := newSSEReader(r)
	var evs []sseEvent
	for {
		ev, err := s.next()
		if err != nil {
			if err == io.EOF {
				return evs, nil
			}
			return evs, err
		}
		evs = append(evs, ev)
	}
}

func TestSSE(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []sseEvent
	}{
		{"two events", "data: a\n\ndata: b\n\n", []sseEvent{{"message", "a"}, {"message", "b"}}},
		{"multi-line data", "data: a\ndata: b\n\n", []sseEvent{{"message", "a\nb"}}},
		{"comments and keep-alives", ": ping\n\n: x\ndata: a\n\n", []sseEvent{{"message", "a"}}},
		{"no space after colon", "data:a\n\n", []sseEvent{{"message", "a"}}},
		{"only one space stripped", "data:  a\n\n", []sseEvent{{"message", " a"}}},
		{"CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", []sseEvent{{"message", "a"}, {"message", "b"}}},
		{"lone CR", "data: a\r\rdata: b\r\r", []sseEvent{{"message", "a"}, {"message", "b"}}},
		{"event name", "event: delta\ndata: a\n\ndata: b\n\n", []sseEvent{{"delta", "a"}, {"message", "b"}}},
		{"field without colon", "data\n\n", []sseEvent{{"message", ""}}},
		{"id and retry ignored", "id: 7\nretry: 10\ndata: a\n\n", []sseEvent{{"message", "a"}}},
		{"blank lines alone dispatch nothing", "\n\n\n", nil},
		{"pending event at EOF", "data: a\n\ndata: [DONE]", []sseEvent{{"message", "a"}, {"message", "[DONE]"}}},
		{"llama.cpp error field", "error: {\"message\":\"boom\"}\n\n", []sseEvent{{"error", `{"message":"boom"}`}}},
		{"JSON with colons", `data: {"a":"b:c"}` + "\n\n", []sseEvent{{"message", `{"a":"b:c"}`}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []io.Reader{
				strings.NewReader(tc.in),
				iotest.OneByteReader(strings.NewReader(tc.in)),
				iotest.HalfReader(strings.NewReader(tc.in)),
			} {
				got, err := readSSE(r)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("got %q, want %q", got, tc.want)
				}
			}
		})
	}
}

func TestSSELineLimit(t *testing.T) {
	in := "data: " + strings.Repeat("x", maxLine+10) + "\n\n"
	_, err := readSSE(strings.NewReader(in))
	if !errors.As(err, new(lineTooLongError)) {
		t.Fatalf("got %v, want lineTooLongError", err)
	}
	many := strings.Repeat("data: "+strings.Repeat("y", 1<<20)+"\n", 5) + "\n"
	if _, err := readSSE(strings.NewReader(many)); !errors.As(err, new(lineTooLongError)) {
		t.Fatalf("multi-line event over the limit: got %v", err)
	}
}

func TestSSEReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom))
	got, err := readSSE(r)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if len(got) != 1 || got[0].data != "a" {
		t.Fatalf("events before the error: %q", got)
	}
}

// FuzzSSE: parsing never panics and does not depend on read boundaries.
func FuzzSSE(f *testing.F) {
	f.Add([]byte("data: a\r\n\r\ndata: b\rdata: c\r\r: x\nevent: e\ndata\n\n"), []byte{1, 2, 3})
	f.Add([]byte("data: {\"choices\":[]}\n\ndata: [DONE]"), []byte{0})
	f.Add([]byte("\r\n\r\r\n\n"), []byte{0, 1})
	f.Fuzz(func(t *testing.T, in, cuts []byte) {
		whole, werr := readSSE(bytes.NewReader(in))
		pieces, perr := readSSE(&pieceReader{data: in, cuts: cuts})
		if (werr == nil) != (perr == nil) {
			t.Fatalf("errors differ: %v vs %v", werr, perr)
		}
		if !reflect.DeepEqual(whole, pieces) {
			t.Fatalf("read boundaries changed the events:\n%q\n%q", whole, pieces)
		}
	})
}

// FuzzSSERoundTrip: whatever the data, encoded as a server would (one data:
// line per line, any line ending, comments between), it comes back intact.
func FuzzSSERoundTrip(f *testing.F) {
	f.Add("a\x00b\nc\x00", []byte{0, 1, 2})
	f.Add("{\"x\":1}\x00[DONE]", []byte{5})
	f.Fuzz(func(t *testing.T, payload string, style []byte) {
		payload = strings.ReplaceAll(payload, "\r", "")
		datas := strings.Split(payload, "\x00")
		endings := []string{"\n", "\r\n", "\r"}
		var b strings.Builder
		for i, d := range datas {
			nl := "\n"
			if len(style) > 0 {
				nl = endings[int(style[i%len(style)])%3]
				if style[i%len(style)]&4 != 0 {
					b.WriteString(": keep-alive" + nl)
				}
			}
			for _, line := range strings.Split(d, "\n") {
				b.WriteString("data: " + line + nl)
			}
			b.WriteString(nl)
		}
		got, err := readSSE(&pieceReader{data: []byte(b.String()), cuts: style})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(datas) {
			t.Fatalf("got %d events, want %d: %q", len(got), len(datas), got)
		}
		for i := range got {
			if got[i].data != datas[i] {
				t.Fatalf("event %d: got %q, want %q", i, got[i].data, datas[i])
			}
		}
	})
}

func readNDJSON(r io.Reader) ([]string, error) {
	n := newNDJSONReader(r)
	var lines []string
	for {
		line, err := n.next()
		if err != nil {
			if err == io.EOF {
				return lines, nil
			}
			return lines, err
		}
		lines = append(lines, string(line))
	}
}

func TestNDJSON(t *testing.T) {
	in := "{\"a\":1}\n\n{\"b\":2}\r\n   \n{\"c\":3}"
	want := []string{`{"a":1}`, `{"b":2}`, `{"c":3}`}
	for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in))} {
		got, err := readNDJSON(r)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

// FuzzNDJSON: the reader yields exactly the non-blank lines (CR LF allowed),
// whatever the read boundaries, and never panics.
func FuzzNDJSON(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n\n{\"b\":2}\r\n"), []byte{1})
	f.Add([]byte("\r\r\n\n x\r"), []byte{2, 0})
	f.Fuzz(func(t *testing.T, in, cuts []byte) {
		var want []string
		for _, line := range strings.Split(string(in), "\n") {
			line = strings.TrimSuffix(line, "\r")
			if strings.TrimSpace(line) != "" {
				want = append(want, line)
			}
		}
		got, err := readNDJSON(&pieceReader{data: in, cuts: cuts})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}
