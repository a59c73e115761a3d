package llm

import (
	"bytes"
	"strings"
)

// Reasoning inside the answer text.
//
// Many models (DeepSeek-R1 and its distills, QwQ, Qwen3, served by a server
// that does not separate reasoning) write their reasoning into the content as
// "<think>…</think>answer". Some chat templates put the opening "<think>" into
// the prompt, so the output starts with reasoning and only "</think>" shows
// up ("think_noopen"). thinkSplitter turns such content back into reasoning
// and answer, incrementally, whatever the chunking.
//
// The rules, in order:
//
//   - "<think>" and "</think>" are tags wherever they appear and are never
//     emitted; text between them is reasoning, text outside is answer. A
//     "</think>" with no open block is dropped, as is a nested "<think>".
//   - A suffix that could be the start of a tag ("<", "<thi", "</think") is
//     held back until the next chunk tells, so a partial tag never leaks out.
//   - At the start of the stream, leading whitespace and a possible "<think>"
//     prefix are held until it is clear whether a block opens.
//   - The missing-open-tag case: while undecided, up to hold bytes are held
//     back. If "</think>" appears within them, everything before it was
//     reasoning. Once more than hold bytes arrived without a tag, the text is
//     answer. hold is large only for models known to drop the opening tag
//     (see holdFor), because holding costs the user the live first tokens of
//     every answer; for other models it is 0 and only "<think>" is detected.
//   - Once a server reports reasoning in a separate field, it evidently splits
//     reasoning itself, and the splitter stops waiting (resolve).
//
// Invariant (fuzzed): the concatenation of everything emitted equals the
// input with the tags removed, whatever the chunk boundaries; and with no
// hold boundary crossed, which text is reasoning does not depend on them.
type thinkSplitter struct {
	state splitState
	// pending is text received but not yet emitted. It is a byte slice so a
	// long undecided hold grows by amortised appends, not string copies.
	pending []byte
	// scanned is how far into pending no tag can start any more, so a long
	// hold is searched once, not once per chunk.
	scanned int
	hold    int
}

type splitState int

const (
	undecided splitState = iota
	inReasoning
	inContent
)

const (
	openTag  = "<think>"
	closeTag = "</think>"
	// maxHold bounds memory when a stream is nothing but whitespace or the
	// hold is huge.
	maxHold = 256 << 10
	// noOpenHold is how much a model known to drop "<think>" may reason
	// before its "</think>" is no longer believed; R1-style reasoning runs to
	// tens of kilobytes.
	noOpenHold = 192 << 10
	// asciiSpace is the whitespace that may precede "<think>". ASCII only,
	// so a multi-byte space split across chunks cannot change the outcome.
	asciiSpace = " \t\r\n\v\f"
)

// segment is a run of emitted text of one kind.
type segment struct {
	reasoning bool
	text      string
}

func newThinkSplitter(hold int) *thinkSplitter {
	return &thinkSplitter{hold: min(hold, maxHold)}
}

// holdFor picks the start-of-stream hold for a model name: models whose chat
// templates are known to pre-fill "<think>" get a long one.
func holdFor(model string) int {
	m := strings.ToLower(model)
	if strings.Contains(m, "qwq") || strings.Contains(m, "think") || strings.Contains(m, "reason") {
		return noOpenHold
	}
	for _, tok := range strings.FieldsFunc(m, func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
	}) {
		if tok == "r1" {
			return noOpenHold
		}
	}
	return 0
}

// setHold changes the hold while nothing is decided yet (the model's name may
// only arrive with the first chunk).
func (s *thinkSplitter) setHold(n int) {
	if s.state == undecided {
		s.hold = min(n, maxHold)
	}
}

// resolve ends the undecided phase: what is held is answer.
func (s *thinkSplitter) resolve() []segment {
	if s.state != undecided {
		return nil
	}
	s.state = inContent
	s.scanned = 0
	return s.push("")
}

// push feeds one chunk and returns what can be emitted now.
func (s *thinkSplitter) push(text string) []segment {
	s.pending = append(s.pending, text...)
	p := s.pending // the unconsumed rest; re-sliced, copied back once at the end
	var out []segment
	for {
		switch s.state {
		case undecided:
			pos, tag := nextTag(p, s.scanned)
			switch {
			case tag == closeTag && pos <= s.hold:
				out = appendSeg(out, true, p[:pos])
				p, s.state = p[pos+len(tag):], inContent
			case tag == openTag:
				before := p[:pos]
				out = appendSeg(out, len(bytes.Trim(before, asciiSpace)) == 0, before)
				p, s.state = p[pos+len(tag):], inReasoning
			case tag == closeTag:
				// A "</think>" too far in to be believed: answer.
				s.state = inContent
			case len(p) > maxHold:
				s.state = inContent
			default:
				rest := bytes.TrimLeft(p, asciiSpace)
				if len(rest) == 0 || len(rest) < len(openTag) && strings.HasPrefix(openTag, string(rest)) || len(p)-partialTag(p) <= s.hold {
					// p is still all of pending: nothing was consumed yet.
					s.scanned = max(0, len(p)-len(closeTag)+1)
					return out
				}
				s.state = inContent
			}
			if s.state != undecided {
				s.scanned = 0
			}
		case inReasoning, inContent:
			reasoning := s.state == inReasoning
			pos, tag := nextTag(p, 0)
			switch tag {
			case openTag:
				out = appendSeg(out, reasoning, p[:pos])
				p, s.state = p[pos+len(tag):], inReasoning
			case closeTag:
				out = appendSeg(out, reasoning, p[:pos])
				p, s.state = p[pos+len(tag):], inContent
			default:
				k := partialTag(p)
				out = appendSeg(out, reasoning, p[:len(p)-k])
				s.keep(p[len(p)-k:])
				return out
			}
		}
	}
}

// keep makes rest (a suffix of pending) the new pending.
func (s *thinkSplitter) keep(rest []byte) {
	s.pending = append(s.pending[:0], rest...)
}

// nextTag finds the leftmost tag at or after from, in one pass, so a long
// chunk full of tags costs linear time.
func nextTag(p []byte, from int) (int, string) {
	for i := from; i < len(p); {
		j := bytes.IndexByte(p[i:], '<')
		if j < 0 {
			break
		}
		i += j
		switch {
		case bytes.HasPrefix(p[i:], []byte(openTag)):
			return i, openTag
		case bytes.HasPrefix(p[i:], []byte(closeTag)):
			return i, closeTag
		}
		i++
	}
	return -1, ""
}

// flush emits whatever is held, at the end of the stream. A partial tag at
// the very end was not a tag after all.
func (s *thinkSplitter) flush() []segment {
	p := s.pending
	s.pending = nil
	if s.state == undecided {
		s.state = inContent
	}
	return appendSeg(nil, s.state == inReasoning, p)
}

// partialTag returns the length of the longest suffix of p that is a proper
// prefix of a tag.
func partialTag(p []byte) int {
	for k := min(len(p), len(closeTag)-1); k > 0; k-- {
		suf := string(p[len(p)-k:])
		if strings.HasPrefix(openTag, suf) || strings.HasPrefix(closeTag, suf) {
			return k
		}
	}
	return 0
}

func appendSeg(out []segment, reasoning bool, b []byte) []segment {
	if len(b) == 0 {
		return out
	}
	if n := len(out); n > 0 && out[n-1].reasoning == reasoning {
		out[n-1].text += string(b)
		return out
	}
	return append(out, segment{reasoning: reasoning, text: string(b)})
}
