package llm

import (
	"bytes"
	"fmt"
	"io"
)

// maxLine bounds one line (and one SSE event) from a server. Completion
// chunks are tiny; the bound only stops a runaway or hostile stream from
// taking memory without limit.
const maxLine = 4 << 20

// lineTooLongError reports a line past maxLine; it is a malformed stream.
type lineTooLongError struct{ max int }

func (e lineTooLongError) Error() string { return fmt.Sprintf("line longer than %d bytes", e.max) }

// lineReader splits a stream into lines without bufio.Scanner's fixed token
// limit surprises and, for SSE, with the lone-CR line ending the spec allows
// (a CR LF pair split across reads still counts once).
type lineReader struct {
	r          io.Reader
	buf        []byte
	start, end int
	err        error // sticky: the reader's first error
	cr         bool  // a lone '\r' ends a line too
	skipLF     bool  // last line ended in '\r'; a following '\n' belongs to it
	max        int
}

func newLineReader(r io.Reader, cr bool) *lineReader {
	return &lineReader{r: r, cr: cr, max: maxLine}
}

// next returns the next line without its terminator. The slice is valid until
// the following call. A final line without terminator is returned before the
// reader's error.
func (l *lineReader) next() ([]byte, error) {
	for {
		if l.skipLF && l.start < l.end {
			if l.buf[l.start] == '\n' {
				l.start++
			}
			l.skipLF = false
		}
		window := l.buf[l.start:l.end]
		i := -1
		if l.cr {
			i = bytes.IndexAny(window, "\r\n")
		} else {
			i = bytes.IndexByte(window, '\n')
		}
		if i >= 0 {
			line := window[:i]
			l.start += i + 1
			if window[i] == '\r' {
				l.skipLF = true
			} else if !l.cr {
				line = bytes.TrimSuffix(line, []byte{'\r'})
			}
			return line, nil
		}
		if l.err != nil {
			if len(window) > 0 {
				l.start = l.end
				if !l.cr {
					window = bytes.TrimSuffix(window, []byte{'\r'})
				}
				return window, nil
			}
			return nil, l.err
		}
		if len(window) > l.max {
			return nil, lineTooLongError{l.max}
		}
		if l.end == len(l.buf) {
			// Out of room: slide the partial line to the front, and grow
			// only if it fills the buffer, so long lines cost linear time.
			if l.start > 0 {
				l.end = copy(l.buf, window)
				l.start = 0
			}
			if l.end == len(l.buf) {
				grown := make([]byte, max(4096, 2*len(l.buf)))
				copy(grown, l.buf[:l.end])
				l.buf = grown
			}
		}
		n, err := l.r.Read(l.buf[l.end:])
		l.end += n
		if err != nil {
			l.err = err
		}
	}
}

// sseEvent is one dispatched server-sent event.
type sseEvent struct {
	name string // "message" unless an event: field said otherwise
	data string
}

// sseReader parses text/event-stream: data lines (several join with "\n"),
// event names, ":" comments, blank-line dispatch. id and retry are ignored:
// a completion is never resumed. llama.cpp reports failures mid-stream as a
// non-standard "error: {...}" field, which becomes an event named "error".
// Unlike a browser, an event still pending at end of stream is dispatched:
// some servers end on "data: [DONE]" without the blank line.
type sseReader struct {
	lines *lineReader
	data  []byte
	has   bool
	name  string
}

func newSSEReader(r io.Reader) *sseReader {
	return &sseReader{lines: newLineReader(r, true)}
}

func (s *sseReader) next() (sseEvent, error) {
	for {
		line, err := s.lines.next()
		if err != nil {
			if err == io.EOF && s.has {
				return s.take(), nil
			}
			return sseEvent{}, err
		}
		if len(line) == 0 {
			if s.has {
				return s.take(), nil
			}
			s.name = ""
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			value = bytes.TrimPrefix(value, []byte{' '})
		}
		switch string(field) {
		case "data":
		case "event":
			s.name = string(value)
			continue
		case "error":
			s.name = "error"
		default:
			continue
		}
		if len(s.data)+len(value) > maxLine {
			return sseEvent{}, lineTooLongError{maxLine}
		}
		s.data = append(s.data, value...)
		s.data = append(s.data, '\n')
		s.has = true
	}
}

func (s *sseReader) take() sseEvent {
	ev := sseEvent{name: s.name, data: string(s.data[:len(s.data)-1])}
	if ev.name == "" {
		ev.name = "message"
	}
	s.data, s.has, s.name = s.data[:0], false, ""
	return ev
}

// ndjsonReader yields the non-blank lines of a newline-delimited JSON stream.
type ndjsonReader struct{ lines *lineReader }

func newNDJSONReader(r io.Reader) *ndjsonReader {
	return &ndjsonReader{lines: newLineReader(r, false)}
}

func (n *ndjsonReader) next() ([]byte, error) {
	for {
		line, err := n.lines.next()
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) > 0 {
			return line, nil
		}
	}
}
